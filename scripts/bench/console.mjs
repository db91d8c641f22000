// The console's requests view with 10,000 requests among 200,000 records (#23): time to first render
// (navigation to the first rows on screen) and to filter (a click on "overdue" to its rows) in
// Chromium, against the receiver on a SQLite file; beside it, in the same run, the server's work
// per list as a page read by index and as the whole list the console read before (every record
// scanned, one events query per requester). That the queries read by index is checked by a test
// (store-requests.node.test.ts); the plans are printed here too.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { tsImport } from 'tsx/esm/api';
import { launchChromium } from '../chromium.mjs';
import { median, table } from './util.mjs';

/** In the page: the requests view's rows and its busy flag, through the shadow roots. */
const VIEW = `(() => {
  const find = (root, sel) => {
    const hit = root.querySelector(sel);
    if (hit) return hit;
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot) { const inner = find(el.shadowRoot, sel); if (inner) return inner; }
    return null;
  };
  const view = find(document, 'console-requests');
  const root = view && view.shadowRoot;
  return root && {
    rows: root.querySelectorAll('tbody tr').length,
    busy: root.querySelector('[aria-busy]') ? root.querySelector('[aria-busy]').getAttribute('aria-busy') === 'true' : true,
    caption: root.querySelector('caption') ? root.querySelector('caption').textContent.trim() : '',
    radio: (value) => root.querySelector('input[type=radio][value=' + value + ']'),
    more: root.querySelector('button.more'),
  };
})()`;

/** Time from navigation start to the first frame with rows; then a filter click and "Show more" click to their rows. */
const MEASURE = `new Promise((resolve) => {
  const view = () => ${VIEW};
  const frame = () => new Promise((r) => requestAnimationFrame(() => r(performance.now())));
  (async () => {
    let v;
    while (!((v = view()) && v.rows > 0 && !v.busy)) await frame();
    const firstRender = await frame();
    const before = v.caption;
    let t0 = performance.now();
    v.radio('overdue').click();
    while (!((v = view()) && !v.busy && v.caption !== before && v.rows > 0)) await frame();
    const filter = (await frame()) - t0;
    const rows = v.rows;
    t0 = performance.now();
    v.more.click();
    while (!((v = view()) && v.rows > rows)) await frame();
    const more = (await frame()) - t0;
    resolve({ firstRender, filter, more, rows: v.rows, caption: v.caption });
  })();
})`;

async function timed(runs, fn) {
  const times = [];
  let result;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    result = await fn();
    times.push(performance.now() - t0);
  }
  return { ms: median(times), result };
}

const ms = (x) => `${x.toFixed(1)} ms`;

/** One store's figures: the server's work per list both ways, the browser's, and the plans. */
async function measureStore(name, { requests, records, runs }, databaseUrl) {
  const { startConsoleBench, wholeList, pageList } = await tsImport('./console-server.ts', import.meta.url);
  const dir = mkdtempSync(join(tmpdir(), 'pw-bench-console-'));
  const bench = await startConsoleBench(dir, { requests, records }, databaseUrl);
  const lines = [`### ${name}`, ''];
  try {
    const now = new Date();
    const today = now.toISOString().slice(0, 10);
    // Server side, in-process: the same store, the list read both ways.
    const rows = [];
    for (const status of ['open', 'overdue', 'all']) {
      const before = await timed(Math.max(2, runs >> 2), () => wholeList(bench.store, status, now));
      const after = await timed(runs * 3, () => pageList(bench.store, status, now));
      rows.push({
        list: status,
        'whole list (before)': ms(before.ms),
        'rows, JSON bytes (before)': `${before.result.length}, ${JSON.stringify(before.result).length}`,
        'page by index (now)': ms(after.ms),
        'rows, JSON bytes (now)': `${after.result.requests.length} of ${after.result.total}, ${JSON.stringify(after.result).length}`,
        speed: `${(before.ms / after.ms).toFixed(0)}×`,
      });
    }
    lines.push(
      `${requests.toLocaleString('en')} data requests among ${records.toLocaleString('en')} records, ${bench.filled.events.toLocaleString('en')} events, ${bench.filled.closed.toLocaleString('en')} closed; filled in ${(bench.filled.fillMs / 1000).toFixed(1)} s`,
      '',
      'The server per list (in-process, median): as the console read it before (every record scanned, one events query per requester, the whole list) and now (a page of 100 by index, its closures and events by id):',
      '',
      table(rows, Object.keys(rows[0])),
    );

    // The browser: sign in once by the mailed link, then fresh loads of the list.
    const browser = await launchChromium();
    try {
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      await page.goto(await bench.signInLink());
      await Promise.all([page.waitForNavigation(), page.click('button[type=submit], form button')]);
      const loads = [];
      for (let i = 0; i < runs + 1; i++) {
        const tab = await context.newPage();
        await tab.setCacheEnabled(i > 0);
        await tab.goto(new URL('/console#/requests?status=open', bench.url).href, { waitUntil: 'domcontentloaded' });
        const measured = await tab.evaluate(MEASURE);
        await tab.close();
        if (i > 0) loads.push(measured); // the first load warms the server's caches and the browser's
      }
      const last = loads.at(-1);
      lines.push(
        '',
        `Chromium, the requests view (median of ${loads.length} loads, cached script; the list's first page is 100 rows):`,
        '',
        table(
          [
            { step: 'navigation → first rows on screen (open)', time: ms(median(loads.map((l) => l.firstRender))) },
            { step: 'click "Overdue" → its rows on screen', time: ms(median(loads.map((l) => l.filter))) },
            { step: 'click "Show more" → 100 more rows', time: ms(median(loads.map((l) => l.more))) },
          ],
          ['step', 'time'],
        ),
        '',
        `(last load: ${last.rows} rows after "Show more"; caption: ${last.caption})`,
      );
    } finally {
      await browser.close();
    }

    // The plans the database chose for a page's reads, on these tables.
    const { queries } = await tsImport('../../packages/receiver/src/store/queries.ts', import.meta.url);
    const { Kysely, SqliteDialect, PostgresDialect } = await import('kysely');
    const reads = (q) => [
      ['open requests', q.openRequests({ limit: 100, offset: 0 })],
      ['overdue requests', q.overdueRequests({ limit: 100, offset: 0, today })],
      ['closed requests', q.closedRequestIds({ limit: 100, offset: 0 })],
      ['counts', q.requestCounts({ today })],
      ['events about a page', q.eventsAbout({ ids: '[]' })],
      ['closures of a page', q.closuresOf({ ids: '[]' })],
    ];
    lines.push('', `Plans of the reads a page makes (${name}, as its planner chose them on these tables):`);
    if (databaseUrl) {
      const { default: pg } = await import('pg');
      const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
      try {
        await pool.query('ANALYZE');
        const q = queries(new Kysely({ dialect: new PostgresDialect({ pool }) }), 'postgres');
        for (const [what, query] of reads(q)) {
          const { rows: plan } = await pool.query(`EXPLAIN ${query.sql}`, query.parameters);
          const nodes = plan.map((r) => r['QUERY PLAN'].trim().replace(/^->\s*/, '').replace(/\s+\(cost=.*$/, '')).filter((l) => /Scan|Join|Sort|Limit|Aggregate/.test(l));
          lines.push(`- ${what}: ${nodes.join('; ')}`);
        }
      } finally {
        await pool.end();
      }
    } else {
      const db = new Database(join(dir, 'receiver.db'), { readonly: true });
      try {
        const q = queries(new Kysely({ dialect: new SqliteDialect({ database: db }) }), 'sqlite');
        for (const [what, query] of reads(q)) {
          lines.push(`- ${what}: ${db.prepare(`EXPLAIN QUERY PLAN ${query.sql}`).all(...query.parameters).map((r) => r.detail).join('; ')}`);
        }
      } finally {
        db.close();
      }
    }
  } finally {
    await bench.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return lines;
}

export async function benchConsole({ requests = 10_000, records = 200_000, runs = 7, postgres = true } = {}) {
  const size = { requests, records, runs };
  const lines = await measureStore('SQLite', size);
  if (postgres) {
    try {
      const { startPostgres } = await tsImport('../../packages/receiver/test/helpers/postgres.ts', import.meta.url);
      const server = await startPostgres();
      try {
        lines.push('', ...(await measureStore('PostgreSQL', size, server.url)));
      } finally {
        server.stop();
      }
    } catch (error) {
      lines.push('', `PostgreSQL: not measured (${String(error?.message ?? error).split('\n')[0]})`);
    }
  }
  return { text: lines.join('\n') };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const small = process.argv.includes('--small');
  const postgres = !process.argv.includes('--sqlite');
  console.log((await benchConsole(small ? { requests: 500, records: 10_000, runs: 3, postgres } : { postgres })).text);
}
