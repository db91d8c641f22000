// `npm start`: builds the package, then runs the reference receiver, which
// serves the demo pages and stores what they send (see README).
import { spawn, spawnSync } from 'node:child_process';

const build = spawnSync('node', ['scripts/build.mjs'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const receiver = spawn('node', ['dist/server/receiver/cli.js', 'serve', '--demo', ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => receiver.kill(signal));
receiver.on('exit', (code) => process.exit(code ?? 0));
