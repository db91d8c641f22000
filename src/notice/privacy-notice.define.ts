import { defineElement } from '../ui/define.js';
import { PrivacyNotice } from './privacy-notice.js';

defineElement('privacy-notice', PrivacyNotice);
