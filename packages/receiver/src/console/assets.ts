/**
 * The console's front end (`packages/receiver/console/`, built to
 * `dist/console/`): its page under the strict CSP, its script and its
 * stylesheet. Read on first use and kept; a file not built yet is looked for
 * again at the next request.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { RouteTools } from '../app.js';
import { answer, LIMITED, refusal } from '../http/answers.js';
import { STRICT_CSP } from '../http/static.js';
import { CONSOLE_PATH, type ConsoleContext } from './context.js';
import { apiError, consoleRoute } from './http.js';

const ASSETS = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
} as const;
type Asset = keyof typeof ASSETS;

/** The built front end's folder: `dist/console` beside this package's package.json (from src/ or dist/src/). */
function defaultAssets(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === '@optimesys/privacy-receiver') return join(dir, 'dist/console');
    } catch {
      // no package.json here: look further up
    }
  }
  return join(process.cwd(), 'dist/console');
}

export function assetRoutes(ctx: ConsoleContext, tools: RouteTools): OpenAPIHono {
  const app = new OpenAPIHono();
  const limit = tools.limit('page');
  const assets = new Map<Asset, string>();
  const asset = (name: Asset) => {
    let text = assets.get(name);
    if (text === undefined) {
      try {
        text = readFileSync(join(ctx.options.assetsDir ?? defaultAssets(), name), 'utf8');
        assets.set(name, text);
      } catch {
        return undefined; // not built (yet): looked for again at the next request
      }
    }
    return text;
  };
  const serve = (name: Asset) => (c: Context) => {
    const text = asset(name);
    if (text === undefined) return apiError(c, 404, 'not-built', 'The console is not built: run node packages/receiver/console/build.mjs.');
    const headers: Record<string, string> = { 'content-type': ASSETS[name], 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' };
    if (name === 'index.html') Object.assign(headers, { 'content-security-policy': STRICT_CSP, 'referrer-policy': 'no-referrer', 'x-robots-tag': 'noindex' });
    return c.body(text, 200, headers);
  };
  const route = (path: string, name: Asset, summary: string) =>
    app.openapi(
      consoleRoute({
        method: 'get',
        path,
        // `/console/` would be `getConsole` too, as `/console` is.
        ...(path.endsWith('/') ? { operationId: 'getConsoleIndex' } : {}),
        summary,
        middleware: [limit],
        answers: [
          answer(200, `The console's ${name}.`, { type: ASSETS[name].split(';')[0]!, schema: z.string() }),
          refusal(404, 'The front end is not built (`node packages/receiver/console/build.mjs`).', ['not-built']),
          LIMITED,
        ],
      }),
      serve(name),
    );
  for (const path of [CONSOLE_PATH, `${CONSOLE_PATH}/`, `${CONSOLE_PATH}/index.html`]) {
    route(path, 'index.html', "The console's page (a single-page app under the strict CSP; its views are URL fragments)");
  }
  route(`${CONSOLE_PATH}/app.js`, 'app.js', "The console's script");
  route(`${CONSOLE_PATH}/console.css`, 'console.css', "The console's stylesheet");
  return app;
}
