// The demo pages in Chromium against the real receiver on a loopback port,
// then the rows it stored. Needs `npm run build` first (npm test does it).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'puppeteer-core';
import { launchChromium } from '../../scripts/chromium.mjs';
import { mailboxRoute } from '../../packages/receiver/src/cli/mailbox-route.js';
import { demoSite } from '../../scripts/demo-site.mjs';
import { startReceiver, type RunningReceiver } from '../../packages/receiver/src/receiver.js';
import { currentConsents } from '../../packages/receiver/src/derive.js';
import { config } from '../../packages/receiver/test/receiver/helpers.js';
import { startTestSmtp, type TestSmtp } from '../../packages/receiver/test/helpers/smtp.js';

interface Watched {
  page: Page;
  requests: string[];
  errors: string[];
}

describe('demo pages against the receiver', { skip: !existsSync('dist/cdn/define.js') && 'run npm run build first' }, () => {
  let receiver: RunningReceiver;
  let browser: Browser;
  let smtp: TestSmtp;
  before(async () => {
    smtp = await startTestSmtp();
    // Mail over real SMTP; links go to the origin each record was posted to (no PUBLIC_URL).
    const base = config({ rateLimit: false });
    receiver = await startReceiver(
      { ...base, mail: { ...base.mail, transport: { ...base.mail.transport, smtpUrl: smtp.url, from: 'OptimeSys <tietosuoja@optimesys.fi>' } } },
      demoSite(process.cwd()),
    );
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await receiver?.close();
    await smtp?.stop();
  });
  const consents = async (email: string) => currentConsents(await receiver.store.byEmail(email), await receiver.store.events(email));
  const mailTo = async (email: string) => {
    const mail = await smtp.waitFor((m) => m.envelope.to.includes(email), 10_000);
    return { text: String(mail.parsed.text), link: String(mail.parsed.text).match(/https?:\/\/\S+\/confirm\/[A-Za-z0-9_-]+/)![0] };
  };

  /** Opens a page in a fresh browser profile, recording every request and every CSP violation or page error. */
  async function open(path: string): Promise<Watched> {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => errors.push(`pageerror: ${(e as Error).message}`));
    await page.evaluateOnNewDocument(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        (window as unknown as { violations: string[] }).violations ??= [];
        (window as unknown as { violations: string[] }).violations.push(`${e.violatedDirective} ${e.blockedURI}`);
      });
    });
    await page.goto(new URL(path, receiver.url).href, { waitUntil: 'load' });
    return { page, requests, errors };
  }

  /** What a careful reviewer checks on every page: strict CSP kept, no cookie, nothing sent elsewhere. */
  async function clean({ page, requests, errors }: Watched) {
    const origin = new URL(receiver.url).origin;
    assert.deepEqual(await page.evaluate(() => (window as unknown as { violations?: string[] }).violations ?? []), []);
    assert.deepEqual(errors, []);
    assert.equal(await page.evaluate(() => document.cookie), '');
    assert.deepEqual(await page.cookies(), []);
    assert.deepEqual(requests.filter((url) => !url.startsWith(origin)), []);
    const csp = (await fetch(page.url())).headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  }

  /**
   * Waits for a `>>>` selector by polling: Puppeteer's waitForSelector watches
   * the document for mutations and misses changes inside shadow roots.
   */
  async function shown(page: Page, selector: string) {
    for (let i = 0; i < 150; i++) {
      // A navigation in between destroys the context a query runs in: try again on the new page.
      if (await page.$(selector).catch(() => null)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`${selector} never appeared`);
  }

  const rows = async () => {
    const all = [];
    for await (const row of receiver.store.all()) all.push(row);
    return all;
  };

  it('marketing page: the notice renders in Finnish and links to the request page', async () => {
    const watched = await open('/');
    const { page } = watched;
    await shown(page, 'privacy-notice >>> section#rights');
    const headings = await page.$$eval('privacy-notice >>> .section-heading', (hs) => hs.map((h) => h.textContent?.trim()));
    assert.equal(headings.length, 13);
    assert.equal(headings[0], 'Yleistä');
    assert.equal(await page.$eval('privacy-notice >>> .title', (h) => h.localName), 'h1');
    await page.click('privacy-notice >>> a.request-link');
    await shown(page, 'data-request-form >>> form');
    assert.equal(new URL(page.url()).pathname, '/request.html');
    await clean(watched);
    await page.close();
  });

  it('landing page: a visitor gives consent, confirms it from the mailed link, and only then it counts', async () => {
    const watched = await open('/landing.html');
    const { page } = watched;
    await shown(page, 'consent-form >>> consent-toggle >>> input');
    await page.click('consent-form >>> consent-toggle[purpose="newsletter"] >>> .label');
    await page.click('consent-form >>> consent-toggle[purpose="events"] >>> .label');
    await page.type('consent-form >>> #email', 'demo.landing@example.fi');
    await page.click('consent-form >>> [part="submit"]');
    await page.waitForFunction(() =>
      document.querySelector('consent-form')?.shadowRoot?.querySelector('.status.confirm')?.textContent?.includes('Viite'),
    );
    const stored = (await rows()).filter((r) => r.email === 'demo.landing@example.fi');
    assert.equal(stored.length, 1);
    const record = stored[0]!.record as { decisions: { purpose: string; granted: boolean }[]; source: { context: string } };
    assert.deepEqual(
      record.decisions.map((d) => [d.purpose, d.granted]),
      [['newsletter', true], ['blog', false], ['events', true]],
    );
    assert.equal(record.source.context, 'landing-newsletter-2026');
    await clean(watched);
    await page.close();

    // Nothing counts yet; every link in the mail, fetched as a scanner would, changes nothing.
    const { text, link } = await mailTo('demo.landing@example.fi');
    for (const url of new Set(text.match(/https?:\/\/\S+/g) ?? [])) await fetch(url);
    assert.ok((await consents('demo.landing@example.fi')).every((c) => !c.granted));
    // The visitor opens the link in the browser and presses the one button.
    const inbox = await open(new URL(link).pathname);
    await shown(inbox.page, 'form[method="post"] button');
    await Promise.all([inbox.page.waitForNavigation(), inbox.page.click('form[method="post"] button')]);
    assert.match(await inbox.page.$eval('h1', (h) => h.textContent ?? ''), /vahvist/i);
    assert.deepEqual(
      (await consents('demo.landing@example.fi')).map((c) => [c.purpose, c.granted]),
      [['blog', false], ['events', true], ['newsletter', true]],
    );
    // The confirmation pages run no script at all: a stricter policy than the demo's.
    assert.deepEqual(await inbox.page.evaluate(() => (window as unknown as { violations?: string[] }).violations ?? []), []);
    assert.deepEqual(await inbox.page.cookies(), []);
    assert.match((await fetch(link)).headers.get('content-security-policy') ?? '', /default-src 'none'/);
    await inbox.page.close();
  });

  it('webinar page: one signup carries the consent record id to the CRM and stores one record', async () => {
    const watched = await open('/webinar.html');
    const { page } = watched;
    await shown(page, 'consent-form >>> consent-toggle >>> input');
    await page.type('#name', 'Wilma Webinaari');
    await page.type('#email', 'wilma@example.fi');
    await page.type('#organisation', 'Esimerkki Oy');
    await page.click('consent-form >>> consent-toggle[purpose="events"] >>> .label');
    await Promise.all([page.waitForNavigation(), page.click('form.signup button[type="submit"]')]);
    const thanks = new URL(page.url());
    assert.equal(thanks.pathname, '/webinar-thanks.html');
    const ref = thanks.searchParams.get('ref');
    assert.ok(ref);
    // the record left with keepalive while the page navigated: wait until it is stored
    let stored = (await rows()).filter((r) => r.email === 'wilma@example.fi');
    for (let i = 0; i < 50 && !stored.length; i++) {
      await new Promise((r) => setTimeout(r, 100));
      stored = (await rows()).filter((r) => r.email === 'wilma@example.fi');
    }
    assert.equal(stored.length, 1);
    assert.equal(stored[0]!.id, ref);
    const record = stored[0]!.record as { processing: { purpose: string; basis: string }[]; decisions: { purpose: string; granted: boolean }[] };
    assert.deepEqual(record.processing.map((p) => [p.purpose, p.basis]), [['event-participation', 'legitimate-interest']]);
    assert.deepEqual(record.decisions.map((d) => [d.purpose, d.granted]), [['newsletter', false], ['events', true]]);
    // The signup went through at once; only the consent waits for the mailed link.
    const [events] = (await consents('wilma@example.fi')).filter((c) => c.purpose === 'events');
    assert.deepEqual([events!.granted, events!.pending], [false, true]);
    assert.match((await mailTo('wilma@example.fi')).text, /ilmoittautu/i);
    await clean(watched);
    await page.close();
  });

  it('request page: a data request is stored with its due date and the visitor gets the reference', async () => {
    const watched = await open('/request.html?request-type=access');
    const { page } = watched;
    await shown(page, 'data-request-form >>> #name');
    await page.type('data-request-form >>> #name', 'Riku Rekisteröity');
    await page.type('data-request-form >>> #email', 'riku@example.fi');
    await new Promise((r) => setTimeout(r, 2600)); // a person takes a moment
    await page.click('data-request-form >>> [part="submit"]');
    await shown(page, 'data-request-form >>> .receipt');
    const text = await page.$eval('data-request-form >>> .receipt', (el) => el.textContent ?? '');
    const stored = (await rows()).filter((r) => r.email === 'riku@example.fi');
    assert.equal(stored.length, 1);
    assert.equal((stored[0]!.record as { requestType: string }).requestType, 'access');
    assert.ok(stored[0]!.dueBy);
    assert.match(text, new RegExp(stored[0]!.id));
    await clean(watched);
    await page.close();
  });

  it('one script from dist/cdn defines every element on a page with a strict CSP, and talks only to the endpoint', async () => {
    const watched = await open('/cdn.html');
    const { page, requests } = watched;
    await shown(page, 'privacy-notice >>> section#rights');
    await shown(page, 'data-request-form >>> #name');
    await shown(page, 'consent-form >>> consent-toggle >>> input');
    // use each: a popover, a consent, a request
    await page.click('consent-form >>> consent-toggle[purpose="blog"] >>> .info');
    await page.waitForFunction(() =>
      document.querySelector('consent-form')?.shadowRoot?.querySelector('consent-toggle[purpose="blog"]')?.shadowRoot?.querySelector('[popover]')?.matches(':popover-open'),
    );
    await page.keyboard.press('Escape');
    await page.click('consent-form >>> consent-toggle[purpose="blog"] >>> .label');
    await page.type('consent-form >>> #email', 'cdn@example.com');
    await page.click('consent-form >>> [part="submit"]');
    await page.waitForFunction(() => document.querySelector('consent-form')?.shadowRoot?.querySelector('.status.confirm'), { polling: 100 });
    await page.click('data-request-form >>> #type-access');
    await page.type('data-request-form >>> #name', 'Cee Deen');
    await page.type('data-request-form >>> #email', 'cdn@example.com');
    await new Promise((r) => setTimeout(r, 2600));
    await page.click('data-request-form >>> [part="submit"]');
    await shown(page, 'data-request-form >>> .receipt');
    const stored = (await rows()).filter((r) => r.email === 'cdn@example.com');
    assert.deepEqual(stored.map((r) => r.type).sort(), ['consent', 'data-request']);
    // the only non-static request is the configured endpoint
    const origin = new URL(receiver.url).origin;
    const dynamic = requests.filter((url) => !/\/(dist|favicon|demo\.css|cdn\.html)/.test(new URL(url).pathname));
    assert.deepEqual([...new Set(dynamic)], [`${origin}/api/records`]);
    await clean(watched);
    await page.close();
  });

  it('mailbox: without SMTP the mails are files, shown at /mailbox.html with their links, only with --mailbox', async () => {
    const base = config({ rateLimit: false });
    const site = demoSite(process.cwd());
    const local = await startReceiver(base, { ...site, routes: { ...site.routes, ...mailboxRoute(base.dataDir) } });
    const plain = await startReceiver(config({ rateLimit: false }), demoSite(process.cwd()));
    try {
      const { jws } = await (await import('../../packages/receiver/test/receiver/helpers.js')).signed((await import('../../packages/receiver/test/receiver/helpers.js')).consentRecord('mailbox@example.fi'));
      await fetch(new URL('/api/records', local.url), { method: 'POST', headers: { 'content-type': 'application/jose' }, body: jws });
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      let links: string[] = [];
      for (let i = 0; i < 50 && !links.length; i++) {
        await page.goto(new URL('/mailbox.html', local.url).href);
        links = await page.$$eval('a[href*="/confirm/"]', (as) => as.map((a) => (a as HTMLAnchorElement).href));
        if (!links.length) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(links.length, 1, 'the confirmation link is clickable');
      assert.match(await page.content(), /mailbox@example\.fi/);
      await context.close();
      assert.equal((await fetch(new URL('/mailbox.html', plain.url))).status, 404, 'not without the mailbox');
    } finally {
      await local.close();
      await plain.close();
    }
  });
});
