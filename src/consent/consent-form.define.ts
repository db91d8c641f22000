import { defineElement } from '../ui/define.js';
import { ConsentForm } from './consent-form.js';
import { ConsentToggle } from './consent-toggle.js';

// The form renders toggles, so both tags are defined together.
defineElement('consent-toggle', ConsentToggle);
defineElement('consent-form', ConsentForm);
