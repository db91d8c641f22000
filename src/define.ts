// Defines every element: the entry of the CDN bundle (`dist/cdn/define.js`).
import './notice/privacy-notice.define.js';
import './consent/consent-form.define.js';
import './consent/consent-preferences.define.js';
import './request/data-request-form.define.js';
