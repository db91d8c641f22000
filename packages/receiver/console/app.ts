// The console's bundle (dist/console/app.js; index.html holds <privacy-console>): every
// console tag, each once (a second copy of the bundle on the page is ignored).
// The entry defines them itself: a bundler keeps an entry's side effects whatever a package.json says.
import { ConsoleConsentChart } from './console-consent-chart.js';
import { ConsoleConsents } from './console-consents.js';
import { ConsoleRequest } from './console-request.js';
import { ConsoleRequests } from './console-requests.js';
import { ConsoleSignIn } from './console-sign-in.js';
import { PrivacyConsole } from './privacy-console.js';

const TAGS: [string, CustomElementConstructor][] = [
  ['privacy-console', PrivacyConsole],
  ['console-sign-in', ConsoleSignIn],
  ['console-requests', ConsoleRequests],
  ['console-request', ConsoleRequest],
  ['console-consents', ConsoleConsents],
  ['console-consent-chart', ConsoleConsentChart],
];
for (const [tag, element] of TAGS) if (!customElements.get(tag)) customElements.define(tag, element);
