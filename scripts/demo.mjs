// `npm start` after the build: the receiver's command line (`serve --mailbox`, a process per core)
// with the demo site beside it. Workers run this file again, so they get the site too.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '@optimesys/privacy-receiver/cli';
import { demoSite } from './demo-site.mjs';

await runCli(process.argv.slice(2), { site: demoSite(join(dirname(fileURLToPath(import.meta.url)), '..')) });
