// `npm start`: builds the packages, then runs the receiver with the demo pages beside it; it
// stores what they send in ./data and shows the mails it writes at /mailbox.html (see README).
import { spawn, spawnSync } from 'node:child_process';

const build = spawnSync('node', ['scripts/build.mjs'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const receiver = spawn('node', ['scripts/demo.mjs', 'serve', '--mailbox', ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => receiver.kill(signal));
receiver.on('exit', (code) => process.exit(code ?? 0));
