// `npm run build -w @optimesys/privacy-records`: ES modules and declarations in dist/ (tsc), then
// the record schemas as JSON Schema in dist/schema/.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
rmSync(join(root, 'dist'), { recursive: true, force: true });
execFileSync('npx', ['tsc', '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
const { recordJsonSchemas } = await import('./dist/json-schema.js');
mkdirSync(join(root, 'dist/schema'), { recursive: true });
for (const [name, schema] of Object.entries(recordJsonSchemas())) writeFileSync(join(root, 'dist/schema', `${name}.json`), `${JSON.stringify(schema, null, 2)}\n`);
console.log('records: dist/ and dist/schema/');
