import { defineElement } from '../ui/define.js';
import { ConsentToggle } from './consent-toggle.js';

defineElement('consent-toggle', ConsentToggle);
