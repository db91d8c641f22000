// `npm run build -w @optimesys/privacy-receiver` (after the records package): ES modules and
// declarations in dist/ (tsc), the webhook message schemas in dist/schema/, and the OpenAPI document.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
execFileSync('npx', ['tsc', '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
chmodSync(join(dist, 'src/cli/bin.js'), 0o755);
const { webhookJsonSchemas } = await import('./dist/src/webhooks/json-schema.js');
mkdirSync(join(dist, 'schema'), { recursive: true });
for (const [name, schema] of Object.entries(webhookJsonSchemas())) writeFileSync(join(dist, 'schema', `${name}.json`), `${JSON.stringify(schema, null, 2)}\n`);
// Generated from the route families' declarations (src/<family>/routes.ts), as `/openapi.json` serves it with mail and the console on.
const { openApiDocument } = await import('./dist/src/openapi.js');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
writeFileSync(join(dist, 'openapi.json'), `${JSON.stringify(openApiDocument({ version }), null, 2)}\n`);
execFileSync('node', [join(root, 'console/build.mjs')], { stdio: 'inherit' });
console.log('receiver: dist/, dist/schema/, dist/openapi.json, dist/console/');
