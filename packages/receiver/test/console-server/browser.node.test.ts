// The console end to end in Chromium against a running receiver (`startReceiver`, as `privacy-receiver
// serve` runs it) with real SMTP and PostgreSQL: the privacy office signs in with a mailed link,
// sees a data request a visitor's browser filed, opens its trail, and closes it with a note using
// the keyboard only; then `privacy-receiver requests --open` no longer lists it and `export` has
// the closure. Needs the console built: `node packages/receiver/console/build.mjs`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'puppeteer-core';
import { launchChromium } from '../../../../scripts/chromium.mjs';
import { startReceiver, type RunningReceiver } from '../../src/receiver.js';
import { startPostgres, pgTestsDisabled, type TestPostgres } from '../helpers/postgres.js';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';
import { config } from '../receiver/helpers.js';
import { demoSite } from '../../../../scripts/demo-site.mjs';
import { signInLink, STAFF } from './helpers.js';

// The console, and the widgets' browser build the demo's request page loads.
const built = existsSync('packages/receiver/dist/console/app.js') && existsSync('dist/cdn/define.js');
const CLI = ['--import', 'tsx', 'packages/receiver/src/cli/bin.ts'];

describe('console in the browser, end to end', { skip: (!built && 'build first: npm run build') || (pgTestsDisabled && 'PG_TESTS=off') }, () => {
  let pg: TestPostgres;
  let smtp: TestSmtp;
  let receiver: RunningReceiver;
  let browser: Browser;
  let dataDir: string;
  const violations: string[] = [];

  before(async () => {
    pg = await startPostgres();
    smtp = await startTestSmtp();
    const base = config({ rateLimit: false, databaseUrl: pg.url });
    dataDir = base.dataDir;
    receiver = await startReceiver(
      {
        ...base,
        mail: { ...base.mail, transport: { ...base.mail.transport, smtpUrl: smtp.url, from: 'OptimeSys <tietosuoja@optimesys.fi>' } },
        console: { users: [STAFF] },
      },
      demoSite(process.cwd()), // the request page a visitor files the request on
    );
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await receiver?.close();
    await smtp?.stop();
    pg?.stop();
  });

  const cli = (...args: string[]) => {
    const result = spawnSync('node', [...CLI, ...args, '--data-dir', dataDir, '--database-url', pg.url], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(result.status, 0, result.stderr);
    return JSON.parse(result.stdout) as unknown;
  };

  /** Waits for a `>>>` selector by polling: waitForSelector misses changes inside shadow roots. */
  async function shown(page: Page, selector: string, text?: RegExp) {
    for (let i = 0; i < 150; i++) {
      const handle = await page.$(selector).catch(() => null);
      if (handle && (!text || text.test((await handle.evaluate((el) => el.textContent ?? '')) ?? ''))) return handle;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`${selector}${text ? ` with ${text}` : ''} never appeared`);
  }

  /** The element that has focus, through the shadow roots. */
  const focused = (page: Page) =>
    page.evaluate(() => {
      let el: Element | null = document.activeElement;
      while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
      return el ? `${el.localName}${el.id ? `#${el.id}` : ''}` : '';
    });

  it('signs in by a mailed link, opens a filed request\'s trail and closes it by keyboard; the command line agrees', async () => {
    // A visitor files a data request on the request page, with the request form.
    const visitor = await browser.createBrowserContext();
    const form = await visitor.newPage();
    await form.goto(new URL('/request.html?request-type=erasure', receiver.url).href, { waitUntil: 'load' });
    await shown(form, 'data-request-form >>> #name');
    await form.type('data-request-form >>> #name', 'Riku Rekisteröity');
    await form.type('data-request-form >>> #email', 'riku.rekisteroity@example.fi');
    await form.type('data-request-form >>> #details', 'Poistakaa tietoni <b>kaikki</b>.');
    await new Promise((r) => setTimeout(r, 2600)); // a person takes a moment (the form's guard against bots)
    await form.click('data-request-form >>> [part="submit"]');
    await shown(form, 'data-request-form >>> .receipt');
    await visitor.close();
    const [stored] = (await receiver.store.byEmail('riku.rekisteroity@example.fi')).filter((r) => r.type === 'data-request');
    assert.ok(stored, 'the request is stored');
    const record = stored.record as { id: string; subject: { email: string } };
    const kid = stored.kid;
    assert.ok(
      (cli('requests', '--open') as { id: string }[]).some((r) => r.id === record.id),
      'open before',
    );

    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    page.on('pageerror', (error) => violations.push(`pageerror: ${(error as Error).message}`));
    await page.evaluateOnNewDocument(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        (window as unknown as { violations: string[] }).violations ??= [];
        (window as unknown as { violations: string[] }).violations.push(`${e.violatedDirective} ${e.blockedURI}`);
      });
    });
    const consoleUrl = new URL('/console', receiver.url).href;
    const first = await page.goto(consoleUrl, { waitUntil: 'load' });
    assert.match(first?.headers()['content-security-policy'] ?? '', /default-src 'self'/);

    // Sign in: the address, then Enter.
    await shown(page, 'privacy-console >>> console-sign-in >>> #email');
    await page.focus('privacy-console >>> console-sign-in >>> #email');
    await page.keyboard.type(STAFF);
    await page.keyboard.press('Enter');
    await shown(page, 'privacy-console >>> console-sign-in >>> #sent');
    const link = signInLink(await smtp.waitFor((m) => m.envelope.to.includes(STAFF), 10_000));
    await page.goto(link, { waitUntil: 'load' });
    // The link's page: one button, reached with Tab, pressed with Enter.
    await page.keyboard.press('Tab');
    assert.equal(await focused(page), 'button');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
    assert.equal(new URL(page.url()).pathname, '/console');
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'pw-console');
    assert.ok(session, 'a session cookie');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    assert.equal(await page.evaluate(() => document.cookie), '', 'no script can read it');

    // The list: the request, by its type; its link opened with the keyboard.
    const row = `privacy-console >>> console-requests >>> a[href*="${record.id}"]`;
    await shown(page, row);
    await page.focus(row);
    await page.keyboard.press('Enter');
    await shown(page, 'privacy-console >>> console-request >>> ol.trail');
    assert.match(page.url(), new RegExp(`#/requests/${record.id}\\?kid=`));
    const facts = await page.$eval('privacy-console >>> console-request', (el) => el.shadowRoot!.textContent ?? '');
    assert.match(facts, /Riku Rekisteröity/);
    assert.match(facts, /Poistakaa tietoni <b>kaikki<\/b>\./, 'the details as text, markup and all');
    const trail = await page.$$eval('privacy-console >>> console-request >>> ol.trail > li', (items) => items.map((li) => li.textContent ?? ''));
    assert.ok(trail.length >= 3, 'the record, its receipt and the confirmation mail at least');

    // Close it with a note, by keyboard only: the note, Tab to its button, Enter.
    await page.focus('privacy-console >>> console-request >>> #close-value');
    await page.keyboard.type('Poistettu CRM:stä ja postituslistalta; vastaus lähetetty.');
    await page.keyboard.press('Tab');
    assert.equal(await focused(page), 'button');
    await page.keyboard.press('Enter');
    await shown(page, 'privacy-console >>> console-request >>> #outcome', /\S/);
    assert.equal(await focused(page), 'p#outcome', 'focus moves to the outcome');
    await shown(page, 'privacy-console >>> console-request >>> ol.trail', /Poistettu CRM:stä/);
    assert.equal(await page.$('privacy-console >>> console-request >>> #close-value'), null, 'no close form on a closed request');

    assert.deepEqual(await page.evaluate(() => (window as unknown as { violations?: string[] }).violations ?? []), []);
    assert.deepEqual(violations, []);

    // The command line, on the same database: closed, and the closure in the export.
    assert.ok(!(cli('requests', '--open') as { id: string }[]).some((r) => r.id === record.id), 'no longer open');
    const exported = cli('export', '--email', record.subject.email) as { closures: { requestId: string; note: string }[]; events: { kind: string; data: { action?: string; by?: string } }[] };
    assert.deepEqual(
      exported.closures.map((c) => [c.requestId, c.note]),
      [[record.id, 'Poistettu CRM:stä ja postituslistalta; vastaus lähetetty.']],
    );
    assert.ok(exported.events.some((e) => e.kind === 'console' && e.data.action === 'close' && e.data.by === STAFF));
    void kid;
    await context.close();
  });
});
