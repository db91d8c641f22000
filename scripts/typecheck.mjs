// `npm run typecheck` (the first step of `npm test`): each package against the platform it runs on,
// so nothing lets browser code use Node or the receiver use the DOM:
// - the widgets' browser code with lib DOM and no Node types (tsconfig.browser.json; src/ssr is Node);
// - the records core with neither (packages/records: lib ES2023 and the Web APIs every runtime has);
// - the receiver with Node types and no DOM (packages/receiver), its console (a browser app) with DOM;
// - the console's server tests, with the contract between the server's answers and the console's client;
// - everything else (tests, stories, scripts) as before (tsconfig.json);
// and a scan that no browser or records module imports `node:*`.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

let failed = false;
for (const project of ['tsconfig.browser.json', 'packages/records/tsconfig.json', 'packages/receiver/tsconfig.json', 'packages/receiver/test/console/tsconfig.json', 'packages/receiver/test/console-server/tsconfig.json', 'tsconfig.json']) {
  const { status } = spawnSync('npx', ['tsc', '-p', project, '--noEmit'], { stdio: 'inherit' });
  console.log(`${status === 0 ? '✔' : '✘'} tsc -p ${project}`);
  failed ||= status !== 0;
}

const files = (dir) => readdirSync(dir).flatMap((entry) => {
  const path = join(dir, entry);
  return statSync(path).isDirectory() ? files(path) : /\.[cm]?[jt]sx?$/.test(entry) ? [path] : [];
});
const NODE_IMPORT = /(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"](node:[^'"]+|fs|path|crypto|os|child_process|http|net)['"]/;
const browserModules = [...files('src').filter((f) => !f.startsWith(join('src', 'ssr'))), ...files('packages/records/src'), ...files('packages/receiver/console').filter((f) => !f.endsWith('build.mjs'))];
const offenders = browserModules.filter((file) => NODE_IMPORT.test(readFileSync(file, 'utf8')));
for (const file of offenders) console.error(`✘ ${file} imports a Node module: browser and records code runs in browsers and edge runtimes`);
console.log(`${offenders.length ? '✘' : '✔'} no browser or records module imports node:* (${browserModules.length} modules)`);
process.exit(failed || offenders.length ? 1 : 0);
