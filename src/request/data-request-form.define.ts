import { defineElement } from '../ui/define.js';
import { DataRequestForm } from './data-request-form.js';

defineElement('data-request-form', DataRequestForm);
