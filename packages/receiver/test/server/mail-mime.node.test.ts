import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { composeConfirmation } from '../../src/mail/compose.js';
import { parseMailbox, serializeMail, type MailToSerialize } from '../../src/mail/mime.js';
import { consentRecord, requestRecord } from '../helpers/mail-records.js';

const FROM = 'OptimeSys Tietosuoja <tietosuoja@optimesys.fi>';
const TO = 'maija.meikalainen@example.fi';
const base = (overrides: Partial<MailToSerialize> = {}): MailToSerialize => ({
  from: FROM,
  to: TO,
  subject: 'Vahvista tilauksesi',
  text: 'Hei,\n\nVahvista tilauksesi.\n',
  html: '<p>Hei,</p>\n<p>Vahvista tilauksesi.</p>',
  headers: { 'Auto-Submitted': 'auto-generated', 'Content-Language': 'fi' },
  ...overrides,
});

/** The header block as its lines, and the body. */
function split(raw: Buffer): { headerLines: string[]; bodyLines: string[] } {
  const text = raw.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  assert.ok(end > 0, 'a blank line ends the header');
  return { headerLines: text.slice(0, end).split('\r\n'), bodyLines: text.slice(end + 4).split('\r\n') };
}

/** What RFC 5322 demands of every message, plus our own 78/76-character limits. */
function assertWellFormed(raw: Buffer): void {
  const text = raw.toString('latin1');
  assert.ok(!/[^\x09\x0a\x0d\x20-\x7e]/.test(text), '7-bit: every octet is ASCII');
  assert.ok(!/\r(?!\n)|(?<!\r)\n/.test(text), 'every line end is CRLF');
  assert.ok(text.endsWith('\r\n'), 'the last line ends in CRLF too');
  for (const line of text.slice(0, -2).split('\r\n')) assert.ok(Buffer.byteLength(line) <= 998, `line over 998 octets: ${line.slice(0, 60)}…`);
  const { headerLines, bodyLines } = split(raw);
  // over 78 only where there was nowhere to fold: one word (a long URL) on its line
  for (const line of headerLines) assert.ok(line.length <= 78 || !/\S \S/.test(line.replace(/^[^ :]+: /, '')), `header line over 78: ${line}`);
  for (const line of bodyLines) assert.ok(line.length <= 76, `body line over 76: ${line}`);
  for (const word of text.match(/=\?[^?]+\?[BQ]\?[^?]*\?=/g) ?? []) assert.ok(word.length <= 75, `encoded word over 75: ${word}`);
}

const parse = async (mail: MailToSerialize) => {
  const serialized = serializeMail(mail);
  assertWellFormed(serialized.raw);
  return { serialized, parsed: await simpleParser(serialized.raw) };
};
const firstAddress = (parsed: ParsedMail, field: 'from' | 'to') => (parsed[field] as AddressObject).value[0]!;

/** The bytes of one RFC 2047 word, decoded here rather than by the code under test. */
function wordBytes(word: string): Buffer {
  const [, enc, body] = /^=\?UTF-8\?([BQ])\?([^?]*)\?=$/.exec(word) ?? assert.fail(`not an encoded word: ${word}`);
  if (enc === 'B') return Buffer.from(body!, 'base64');
  return Buffer.from(body!.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
}
/** An unstructured header value of encoded words (mailparser leaves headers it does not know undecoded). */
const decodeWords = (value: string) => Buffer.concat(value.split(' ').map(wordBytes)).toString('utf8');

/** The unfolded value of the first header field `name` in the raw message. */
function rawHeader(raw: Buffer, name: string): string | undefined {
  const { headerLines } = split(raw);
  const unfolded = headerLines.join('\r\n').replace(/\r\n(?=[ \t])/g, '').split('\r\n');
  const line = unfolded.find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).replace(/^ /, '');
}

describe('serializeMail', () => {
  it('a confirmation mail reads back exactly: headers, text part, HTML part, in that order', async () => {
    const mail = composeConfirmation({
      record: requestRecord('fi'),
      confirmUrl: 'https://privacy.optimesys.fi/confirm/T0ken',
      expiresAt: new Date('2026-12-10T05:02:00Z'),
    });
    const date = new Date('2026-12-03T05:02:07Z');
    const { serialized, parsed } = await parse({ ...mail, from: FROM, date });
    assert.equal(parsed.subject, mail.subject);
    assert.deepEqual(firstAddress(parsed, 'from'), { name: 'OptimeSys Tietosuoja', address: 'tietosuoja@optimesys.fi' });
    assert.equal((parsed.to as AddressObject).text, TO);
    assert.equal(parsed.text, mail.text);
    assert.equal(parsed.html, mail.html);
    assert.equal(parsed.date?.getTime(), date.getTime());
    assert.equal(rawHeader(serialized.raw, 'Date'), 'Thu, 03 Dec 2026 05:02:07 +0000');
    assert.equal(parsed.headers.get('auto-submitted'), 'auto-generated');
    assert.equal(parsed.headers.get('content-language'), 'fi');
    assert.equal(parsed.headers.get('mime-version'), '1.0');
    assert.equal(parsed.messageId, serialized.messageId);
    assert.match(serialized.messageId, /^<[0-9a-f-]{36}@optimesys\.fi>$/);
    assert.notEqual(serializeMail({ ...mail, from: FROM }).messageId, serialized.messageId, 'a new id per message');
    assert.deepEqual(serialized.envelope, { from: 'tietosuoja@optimesys.fi', to: [TO] });
    const raw = serialized.raw.toString('latin1');
    const boundary = /boundary="([^"]+)"/.exec(raw)?.[1] ?? '';
    assert.ok(boundary, 'multipart/alternative with a boundary');
    assert.match(raw, /^Content-Type: multipart\/alternative;/m);
    assert.equal(raw.split(`--${boundary}`).length - 1, 3, 'the boundary occurs only as the two delimiters and the close');
    const plainAt = raw.indexOf('Content-Type: text/plain; charset=utf-8');
    const htmlAt = raw.indexOf('Content-Type: text/html; charset=utf-8');
    assert.ok(plainAt > 0 && htmlAt > plainAt, 'text/plain first, then text/html');
    assert.match(raw, /Content-Transfer-Encoding: quoted-printable\r\n\r\nHei,\r\n/, 'mostly ASCII text stays readable');
  });

  it('Finnish and emoji in subject, display name, text and HTML', async () => {
    const text = 'Hyvä Åsa, hinta 12 € 🎉 – kiitos!\nÄÖÅ äöå\n👩‍👩‍👧 perhe\n';
    const mail = base({
      from: 'Tietosuojatiimi – Ääkköset € 🎉 <tietosuoja@optimesys.fi>',
      subject: 'Vahvista tilauksesi – ääkköset, € ja 🎉',
      text,
      html: `<p>${text}</p>`,
    });
    const { serialized, parsed } = await parse(mail);
    assert.equal(parsed.subject, mail.subject);
    assert.deepEqual(firstAddress(parsed, 'from'), { name: 'Tietosuojatiimi – Ääkköset € 🎉', address: 'tietosuoja@optimesys.fi' });
    assert.equal(parsed.text, text);
    assert.equal(parsed.html, mail.html);
    // every encoded word holds whole UTF-8 characters: each decodes on its own without a replacement character
    const words = serialized.raw.toString('latin1').match(/=\?UTF-8\?([BQ])\?([^?]*)\?=/g) ?? [];
    assert.ok(words.length >= 2, 'subject and name are encoded words');
    for (const word of words) assert.doesNotThrow(() => new TextDecoder('utf-8', { fatal: true }).decode(wordBytes(word)), word);
  });

  it('very long subjects fold into 78-character lines and read back exactly', async () => {
    const ascii = 'Please confirm your subscription to the OptimeSys newsletter and events '.repeat(6).trim();
    const finnish = 'Pitkä otsikko, joka taitetaan usealle riville – ääkköset ja 🎉 '.repeat(8);
    const cjk = '新闻通讯 📬 ニュースレター'.repeat(12);
    const unbroken = `x${'y'.repeat(120)}`; // one ASCII word longer than a line: encoded, so it still folds
    for (const subject of [ascii, finnish, cjk, unbroken, '  spaced   out\tand =?UTF-8?Q?not_a_word?= ', '']) {
      const { serialized, parsed } = await parse(base({ subject }));
      assert.equal(parsed.subject ?? '', subject, subject);
      if (subject.length > 100) assert.ok(split(serialized.raw).headerLines.filter((l) => l.startsWith(' ')).length >= 1, 'folded');
    }
    assert.match(serializeMail(base({ subject: ascii })).raw.toString('latin1'), /^Subject: Please confirm your/m, 'ASCII words stay readable');
  });

  it('long unbroken lines (300+ character URLs with tokens) keep every character', async () => {
    const token = 'eyJhbGciOiJFZERTQSJ9.' + 'AbC_-xyz0123456789'.repeat(20) + '==';
    const url = `https://privacy.optimesys.fi/confirm/${token}?utm_source=mail&next=%2Fprefs%3Fa%3D1`;
    assert.ok(url.length > 300);
    const text = `Avaa tämä linkki:\n${url}\n\n${'Sana '.repeat(300)}\n`;
    const html = `<p><a href="${url}">${url}</a></p>${'<b>x</b>'.repeat(200)}`;
    const { parsed } = await parse(base({ text, html }));
    assert.equal(parsed.text, text);
    assert.equal(parsed.html, html);
  });

  it('lines starting with "." or "From ", trailing spaces and tabs, empty lines', async () => {
    const text = ['.', '..', '.hidden line', 'From the team', 'From', 'trailing   ', 'tab\t', ' ', '', 'x'.repeat(72) + '.done', 'end'].join('\n');
    const { serialized, parsed } = await parse(base({ text, html: text.replace(/\n/g, '<br>\n') }));
    assert.equal(parsed.text, text);
    assert.equal(parsed.html, text.replace(/\n/g, '<br>\n'));
    for (const line of split(serialized.raw).bodyLines) {
      assert.ok(!line.startsWith('.'), `a body line starts with a dot: ${line}`);
      assert.ok(!line.startsWith('From '), `a body line starts with From: ${line}`);
      assert.ok(!/[ \t]$/.test(line), `trailing white space on the wire: ${JSON.stringify(line)}`);
    }
  });

  it('a soft line break never splits an =XX', async () => {
    for (let offset = 0; offset < 6; offset++) {
      const text = `${'x'.repeat(offset)}${'=a'.repeat(80)}\n${'y'.repeat(offset)}${'aaaaaaaaaaäb'.repeat(20)}\n`;
      const { serialized, parsed } = await parse(base({ text, html: '' }));
      assert.equal(parsed.text, text);
      for (const line of split(serialized.raw).bodyLines) assert.doesNotMatch(line, /=(?![0-9A-F]{2}|$)/, `offset ${offset}: ${line}`);
    }
  });

  it('CRLF, CR and LF in the text all become CRLF', async () => {
    const { parsed } = await parse(base({ text: 'a\r\nb\rc\nd' }));
    assert.equal(parsed.text, 'a\nb\nc\nd');
  });

  it('display names with quotes, commas and other specials are quoted; bare addresses stay bare', async () => {
    const name = 'Tietosuoja, "OptimeSys" Oy (Helsinki) <info> \\ =?x?=';
    const from = `"${name.replace(/[\\"]/g, '\\$&')}" <tietosuoja@optimesys.fi>`;
    assert.deepEqual(parseMailbox(from), { name, address: 'tietosuoja@optimesys.fi' });
    const { serialized, parsed } = await parse(base({ from, to: 'Matti Meikäläinen <matti@example.fi>' }));
    assert.deepEqual(firstAddress(parsed, 'from'), { name, address: 'tietosuoja@optimesys.fi' });
    assert.deepEqual(firstAddress(parsed, 'to'), { name: 'Matti Meikäläinen', address: 'matti@example.fi' });
    assert.equal(serialized.envelope.to[0], 'matti@example.fi');
    assert.equal((parsed.to as AddressObject).value.length, 1, 'the comma did not make a second recipient');
    assert.equal(rawHeader(serializeMail(base()).raw, 'To'), TO);
  });

  it('a header value with CR or LF never starts a header: it throws', () => {
    const hostile = ['Hi\r\nBcc: evil@example.com', 'Hi\nBcc: evil@example.com', 'Hi\rBcc: evil@example.com', 'nul\0byte'];
    for (const value of hostile) {
      assert.throws(() => serializeMail(base({ subject: value })), TypeError, JSON.stringify(value));
      assert.throws(() => serializeMail(base({ headers: { 'Content-Language': value } })), TypeError);
      assert.throws(() => serializeMail(base({ to: `a@example.fi${value}` })), TypeError);
      assert.throws(() => serializeMail(base({ from: `${value} <tietosuoja@optimesys.fi>` })), TypeError);
      assert.throws(() => serializeMail(base({ messageId: `<a@b>${value}` })), TypeError);
    }
    assert.throws(() => serializeMail(base({ headers: { 'X-Evil\r\nBcc': 'x' } })), TypeError);
    assert.throws(() => serializeMail(base({ headers: { 'Bad Name': 'x' } })), TypeError);
    for (const own of ['Bcc', 'to', 'Content-Type', 'MIME-Version', 'Message-ID']) {
      assert.throws(() => serializeMail(base({ headers: { [own]: 'x@example.com' } })), TypeError, own);
    }
    for (const address of ['a@b@c', 'a b@example.fi', '<a@example.fi>, b@example.fi', 'a@example.fi, b@example.fi', '"a"@example.fi', 'a@-x.fi', '']) {
      assert.throws(() => serializeMail(base({ to: address })), TypeError, address);
    }
  });

  it('extra headers: List-Unsubscribe folds between its URLs and reads back exactly; non-ASCII is encoded', async () => {
    const token = 'v1.' + 'Q2hhbmdlIG1lIHBsZWFzZQ_-'.repeat(8);
    const headers = {
      'List-Unsubscribe': `<https://privacy.optimesys.fi/unsubscribe/${token}>, <mailto:unsubscribe@optimesys.fi?subject=unsubscribe%20${token}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'X-Campaign': 'Syksy – €',
    };
    const { serialized, parsed } = await parse(base({ headers }));
    assert.equal(rawHeader(serialized.raw, 'List-Unsubscribe'), headers['List-Unsubscribe']);
    assert.equal(rawHeader(serialized.raw, 'List-Unsubscribe-Post'), 'List-Unsubscribe=One-Click');
    assert.equal(decodeWords(rawHeader(serialized.raw, 'X-Campaign')!), 'Syksy – €');
    const list = parsed.headers.get('list') as { unsubscribe?: { url?: string }[] | { url?: string } };
    const urls = [list.unsubscribe].flat().map((u) => u?.url);
    assert.ok(urls.includes(`https://privacy.optimesys.fi/unsubscribe/${token}`), JSON.stringify(list));
  });

  it('without HTML: one text/plain part, exact even without a final newline', async () => {
    for (const text of ['Hei\nrivi kaksi', 'Hei\n', '', 'ä'.repeat(100)]) {
      const { serialized, parsed } = await parse(base({ text, html: '' }));
      const raw = serialized.raw.toString('latin1');
      assert.ok(!/multipart/i.test(raw));
      assert.match(raw, /^Content-Type: text\/plain; charset=utf-8\r$/m);
      assert.equal(parsed.text ?? '', text);
      assert.equal(parsed.html, false);
    }
  });

  it('text that is mostly not ASCII goes as base64', async () => {
    const text = '新闻通讯 📬 ニュースレター。'.repeat(40) + '\n第二行\n';
    const { serialized, parsed } = await parse(base({ text, html: `<p>${text}</p>` }));
    assert.match(serialized.raw.toString('latin1'), /Content-Transfer-Encoding: base64/);
    assert.equal(parsed.text, text);
    assert.equal(parsed.html, `<p>${text}</p>`);
  });

  it('random text of every awkward kind reads back exactly (seeded)', async () => {
    let seed = 20261203;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pieces = ['a', 'Z', ' ', '  ', '\t', '=', '=3D', '.', 'From ', '\n', '\n.', '\nFrom ', 'ä', '€', '🎉', '_', '?', '=?', '"', 'https://x.fi/' + 'k'.repeat(90)];
    const make = (n: number) => Array.from({ length: n }, () => pieces[Math.floor(random() * pieces.length)]).join('');
    for (let i = 0; i < 150; i++) {
      const text = make(Math.floor(random() * 400));
      const subject = make(Math.floor(random() * 60)).replace(/[\n\t]/g, ' ');
      const { parsed } = await parse(base({ text, html: `<pre>${text}</pre>`, subject }));
      assert.equal(parsed.text ?? '', text, `text #${i}`);
      assert.equal(parsed.html, `<pre>${text}</pre>`, `html #${i}`);
      assert.equal(parsed.subject ?? '', subject, `subject #${i}`);
    }
  });
});

describe('a consent mail in Finnish, English and Swedish', () => {
  for (const lang of ['fi', 'en', 'sv'] as const) {
    it(`${lang}: round-trips`, async () => {
      const mail = composeConfirmation({ record: consentRecord(lang), confirmUrl: 'https://p.example/confirm/x', expiresAt: new Date() });
      const { parsed } = await parse({ ...mail, from: FROM });
      assert.equal(parsed.subject, mail.subject);
      assert.equal(parsed.text, mail.text);
      assert.equal(parsed.html, mail.html);
      assert.equal(parsed.headers.get('content-language'), lang);
    });
  }
});
