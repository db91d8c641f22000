// `npm start` after the build: the receiver's command line (`serve --mailbox`, a process per core)
// with the demo site beside it. Workers run this file again, so they get the site too.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '@optimesys/privacy-receiver/cli';
import { demoSite } from './demo-site.mjs';

// The privacy office's console, signed in to with a link the demo mailbox shows (/mailbox.html).
process.env.CONSOLE_USERS ??= 'tietosuoja@optimesys.fi';
process.env.PRIVACY_OFFICE_EMAIL ??= 'tietosuoja@optimesys.fi';

await runCli(process.argv.slice(2), { site: demoSite(join(dirname(fileURLToPath(import.meta.url)), '..')) });
