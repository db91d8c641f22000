// The demo site npm start serves beside the receiver: only the browser build of dist/ is reachable.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { startReceiver } from '../../packages/receiver/src/receiver.js';
import { config } from '../../packages/receiver/test/receiver/helpers.js';
import { demoSite } from '../../scripts/demo-site.mjs';

describe('demo site', () => {
  it('#14 serves only the browser build from dist/: no server code, no source maps', { skip: !existsSync('dist/cdn/define.js') && 'run npm run build first' }, async () => {
    const receiver = await startReceiver(config({ rateLimit: false }), demoSite(process.cwd()));
    try {
      const at = (path: string) => fetch(new URL(path, receiver.url)).then((r) => r.status);
      assert.equal(await at('/dist/cdn/define.js'), 200);
      assert.equal(await at('/landing.html'), 200);
      for (const path of ['/packages/receiver/dist/src/index.js', '/dist/ssr/index.js', '/dist/cdn/define.js.map', '/dist/index.js', '/dist/package.json', '/dist/../package.json']) {
        assert.equal(await at(path), 404, path);
      }
    } finally {
      await receiver.close();
    }
  });
});
