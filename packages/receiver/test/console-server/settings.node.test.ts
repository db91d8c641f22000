// The console's settings and strings: who may sign in, the environment the command line reads,
// the start-up refusals, the console off unless configured, the strings in every language alike,
// the sign-in link mail and pages in Swedish, and the Art. 15 answer without a notice document.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { renderAnswer } from '../../src/console/answer.js';
import { signInMail } from '../../src/console/mail.js';
import { renderSignInPage } from '../../src/console/pages.js';
import { allowedUser, consoleSettings } from '../../src/console/settings.js';
import { cookieNames, setCookie } from '../../src/console/session.js';
import { exportDocument } from '../../src/console/subject.js';
import { parseConfig } from '../../src/cli/options.js';
import { pageLocale } from '../../src/mail/pages.js';
import { SITE_DEFAULT } from '../../src/mail/site.js';
import { createReceiver } from '../../src/receiver.js';
import type { StoredRecord } from '../../src/store/store.js';
import { tempDir } from '../receiver/helpers.js';
import { serveReceiver } from '../receiver/serve.js';
import { signedRequest, STAFF } from './helpers.js';

type Tree = { [key: string]: Tree | string | string[] };
const strings = (lang: string) => (JSON.parse(readFileSync(`packages/receiver/locales/${lang}/mail.json`, 'utf8')) as { console: Tree }).console;

/** Every leaf's path and its placeholders. */
function leaves(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = `${prefix}.${key}`;
    if (typeof value === 'string' || Array.isArray(value)) {
      const texts = typeof value === 'string' ? [value] : value;
      out.set(`${path}[${texts.length}]`, [...new Set(texts.join(' ').match(/\{\{\w+\}\}/g) ?? [])].sort().join(' '));
    } else for (const [k, v] of leaves(value, path)) out.set(k, v);
  }
  return out;
}

describe('console: settings and strings', () => {
  it('who may sign in: listed addresses and @domains, case and IDN folded, no subdomains', () => {
    const allowed = allowedUser(['DPO@OptimeSys.fi', '@staff.optimesys.fi']);
    assert.ok(allowed('dpo@optimesys.fi'));
    assert.ok(allowed(' Dpo@optimesys.FI '));
    assert.ok(allowed('anyone@staff.optimesys.fi'));
    assert.ok(!allowed('other@optimesys.fi'));
    assert.ok(!allowed('x@sub.staff.optimesys.fi'));
    assert.ok(!allowed('x@staff.optimesys.fi.evil.example'));
    assert.ok(!allowed('dpo@optimesys.fi@evil.example'));
    assert.ok(!allowed(''));
  });

  it('the environment: CONSOLE_USERS turns it on; mistakes stop the start', () => {
    assert.equal(consoleSettings({}), undefined);
    assert.deepEqual(consoleSettings({ CONSOLE_USERS: 'dpo@optimesys.fi, @optimesys.fi' }), { users: ['dpo@optimesys.fi', '@optimesys.fi'] });
    assert.deepEqual(
      consoleSettings({
        CONSOLE_USERS: '@optimesys.fi',
        CONSOLE_OIDC_ISSUER: 'https://login.microsoftonline.com/tenant/v2.0',
        CONSOLE_OIDC_CLIENT_ID: 'id',
        CONSOLE_OIDC_CLIENT_SECRET: 'secret',
        PRIVACY_OFFICE_EMAIL: 'tietosuoja@optimesys.fi',
      }),
      { users: ['@optimesys.fi'], oidc: { issuer: 'https://login.microsoftonline.com/tenant/v2.0', clientId: 'id', clientSecret: 'secret' }, officeEmail: 'tietosuoja@optimesys.fi' },
    );
    assert.throws(() => consoleSettings({ CONSOLE_USERS: 'optimesys.fi' }), /neither an e-mail address nor an @domain/);
    assert.throws(() => consoleSettings({ CONSOLE_USERS: '@x.fi', CONSOLE_OIDC_ISSUER: 'http://idp.example', CONSOLE_OIDC_CLIENT_ID: 'id' }), /https/);
    assert.throws(() => consoleSettings({ CONSOLE_USERS: '@x.fi', CONSOLE_OIDC_ISSUER: 'https://idp.example' }), /go together/);
    assert.throws(() => consoleSettings({ CONSOLE_OIDC_ISSUER: 'https://idp.example', CONSOLE_OIDC_CLIENT_ID: 'id' }), /needs CONSOLE_USERS/);
    assert.throws(() => consoleSettings({ PRIVACY_OFFICE_EMAIL: 'nobody' }), /PRIVACY_OFFICE_EMAIL/);
    // Through the command line's parser: a typo is a usage error, not a console that lets anyone in.
    assert.throws(() => parseConfig(['serve'], { CONSOLE_USERS: 'not an address' }), /CONSOLE_USERS/);
    assert.deepEqual(parseConfig(['serve'], { CONSOLE_USERS: '@optimesys.fi' }).console, { users: ['@optimesys.fi'] });
    assert.equal(parseConfig(['serve'], {}).console, undefined);
  });

  it('a console on plain http to another machine does not start (its cookie must be Secure)', async () => {
    await assert.rejects(
      createReceiver({ dataDir: tempDir(), mail: { publicUrl: 'http://privacy.example.com' }, console: { users: ['@optimesys.fi'] } }),
      /https PUBLIC_URL/,
    );
    await assert.rejects(createReceiver({ dataDir: tempDir(), mail: false, console: { users: ['@optimesys.fi'] } }), /public URL/);
    const served = await createReceiver({ dataDir: tempDir(), mail: false, console: { users: ['@optimesys.fi'], publicUrl: 'https://privacy.example.com' } });
    await served.close();
  });

  it('over https the cookies are __Host- cookies: Secure, Path=/, no Domain', () => {
    const names = cookieNames(true);
    const session = setCookie(names, names.session, 'v', { maxAge: 60_000, sameSite: 'Strict' });
    assert.equal(session, '__Host-pw-console=v; Path=/; Max-Age=60; HttpOnly; SameSite=Strict; Secure');
    const tx = setCookie(names, names.oidc, 'v', { maxAge: 600_000, sameSite: 'Lax' });
    assert.equal(tx, '__Host-pw-console-oidc=v; Path=/; Max-Age=600; HttpOnly; SameSite=Lax; Secure');
    assert.doesNotMatch(session + tx, /Domain/i);
  });

  it('off unless configured: /console and its API answer 404', async () => {
    const receiver = await serveReceiver({ dataDir: tempDir(), mail: false });
    try {
      for (const path of ['/console', '/console/app.js', '/console/api/session', '/console/auth/oidc']) {
        assert.equal((await fetch(new URL(path, receiver.url))).status, 404, path);
      }
    } finally {
      await receiver.close();
    }
  });

  it('the console\'s strings: the same keys, in the same order, and placeholders in Finnish, Swedish and English', () => {
    const fi = leaves(strings('fi'));
    for (const lang of ['sv', 'en']) {
      const other = leaves(strings(lang));
      assert.deepEqual([...other.keys()], [...fi.keys()], lang);
      for (const [key, placeholders] of fi) assert.equal(other.get(key), placeholders, `${lang} ${key}`);
    }
  });

  it('the sign-in link mail and its pages in Swedish, as Accept-Language asks', () => {
    const locale = pageLocale(undefined, 'sv-FI, fi;q=0.8, en;q=0.5');
    const mail = signInMail({ to: STAFF, url: 'https://privacy.example.com/console/auth/link/t', expiresAt: new Date('2026-06-20T09:30:00Z'), locale });
    assert.equal(mail.subject, 'Din inloggningslänk till dataskyddskonsolen');
    assert.match(mail.text, /^Hej,/);
    assert.match(mail.text, /Länken gäller till 20\.6\.2026 kl\. 12\.30 \(finländsk tid\)\./);
    assert.equal(mail.headers['Content-Language'], 'sv');
    for (const page of ['link', 'used', 'expired', 'invalid', 'refused', 'failed', 'unavailable'] as const) {
      const { headers, body } = renderSignInPage(page, locale, { email: STAFF });
      assert.match(body, /<html lang="sv">/, page);
      assert.equal(headers['content-language'], 'sv', page);
      assert.match(body, /<title>[^<]+ – OptimeSys dataskyddskonsol<\/title>/, page);
    }
  });

  it('the Art. 15 answer without a notice document says where the notice is, and the rights', async () => {
    const { record, jws } = await signedRequest({ locale: 'en', name: 'Ann <Example>' });
    const row: StoredRecord = {
      id: record.id,
      type: 'data-request',
      email: record.subject.email,
      kid: 'kid',
      jws,
      record: record as unknown as Record<string, unknown>,
      receipt: {},
      receivedAt: '2026-01-05T10:00:00.000Z',
      dueBy: '2026-02-05',
    };
    const html = renderAnswer({ request: row, rows: [row], events: [], document: exportDocument([row], [], []), notices: {}, site: SITE_DEFAULT, now: new Date('2026-01-20T10:00:00Z') });
    assert.match(html, /<html lang="en">/);
    assert.match(html, /described in our privacy notice, version 2018-05-24/);
    assert.match(html, /<h2>Your rights<\/h2>/);
    assert.match(html, /Ann &lt;Example&gt;/);
    assert.doesNotMatch(html, /Ann <Example>/);
  });
});
