import { defineElement } from '../ui/define.js';
import { ConsentPreferences } from './consent-preferences.js';
import { ConsentToggle } from './consent-toggle.js';

// The preference page renders toggles, so both tags are defined together.
defineElement('consent-toggle', ConsentToggle);
defineElement('consent-preferences', ConsentPreferences);
