/**
 * The demo's `/mailbox.html`: the `.eml` files the receiver wrote without
 * SMTP, newest first, readable, with the links clickable. Demo only: it shows
 * every message to whoever opens it, so mount it only when there is no SMTP.
 *
 * The files are read with a small MIME reader rather than mailparser: the
 * demo runs from the package's runtime dependencies, and the only messages
 * here are the ones `mime.ts` wrote (headers with RFC 2047 words, a
 * multipart/alternative body, quoted-printable or base64 parts, UTF-8).
 * The tests compare it with mailparser on real output, and on nodemailer's.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import enMail from '../../locales/en/mail.json' with { type: 'json' };
import fiMail from '../../locales/fi/mail.json' with { type: 'json' };
import svMail from '../../locales/sv/mail.json' with { type: 'json' };
import { escapeHtml, type MailLocale } from './layout.js';
import { PAGES_CSS_PATH, type RenderedPage } from './pages.js';

export interface EmlSummary {
  subject: string;
  from: string;
  to: string;
  date: string;
  messageId: string;
  /** `Content-Language`, when the message has one. */
  language?: string;
  /** The plain-text part (LF line ends), or '' when there is none. */
  text: string;
}

type Headers = Map<string, string>;

function splitMessage(raw: string): { headers: Headers; body: string } {
  const match = /\r?\n\r?\n/.exec(raw);
  const head = match ? raw.slice(0, match.index) : raw;
  const body = match ? raw.slice(match.index + match[0].length) : '';
  const headers: Headers = new Map();
  // Unfold (RFC 5322 2.2.3), then one field per line; the first of a repeated field wins.
  for (const line of head.replace(/\r?\n(?=[ \t])/g, '').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon < 1) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function decodeBytes(bytes: Buffer, charset = 'utf-8'): string {
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return bytes.toString('utf8'); // unknown charset label
  }
}

function quotedPrintable(text: string): Buffer {
  const bytes: number[] = [];
  const source = text.replace(/=\r?\n/g, ''); // soft line breaks
  for (let i = 0; i < source.length; i++) {
    const hex = source.slice(i + 1, i + 3);
    if (source[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(source[i]!, 'latin1'));
    }
  }
  return Buffer.from(bytes);
}

/** RFC 2047 encoded words; whitespace between two of them is not part of the text. */
export function decodeWords(value: string): string {
  return value
    .replace(/(\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_, charset: string, encoding: string, text: string) =>
      decodeBytes(
        encoding.toUpperCase() === 'B' ? Buffer.from(text, 'base64') : quotedPrintable(text.replace(/_/g, ' ')),
        charset.split('*')[0],
      ),
    );
}

function param(value: string, name: string): string | undefined {
  const match = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(value);
  return match ? (match[1] ?? match[2]) : undefined;
}

/** The first text/plain part of an entity, decoded. Depth-limited: a crafted file cannot recurse forever. */
function plainText(headers: Headers, body: string, depth = 0): string | undefined {
  const type = headers.get('content-type') ?? 'text/plain';
  const mime = type.split(';')[0]!.trim().toLowerCase();
  if (mime.startsWith('multipart/')) {
    const boundary = param(type, 'boundary');
    if (!boundary || depth > 5) return undefined;
    const parts = body.split(new RegExp(`\\r?\\n?--${boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:--)?[ \\t]*\\r?\\n?`));
    for (const part of parts.slice(1, -1)) {
      const inner = splitMessage(part);
      const found = plainText(inner.headers, inner.body, depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (mime !== 'text/plain') return undefined;
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  const bytes =
    encoding === 'base64'
      ? Buffer.from(body.replace(/\s+/g, ''), 'base64')
      : encoding === 'quoted-printable'
        ? quotedPrintable(body)
        : Buffer.from(body, 'latin1');
  return decodeBytes(bytes, param(type, 'charset') ?? 'utf-8').replace(/\r\n/g, '\n');
}

/** Reads what the mailbox shows from one `.eml` file. */
export function readEml(raw: Buffer): EmlSummary {
  // latin1 keeps every byte as one char, so 8bit parts can still be decoded as their charset.
  const { headers, body } = splitMessage(raw.toString('latin1'));
  const header = (name: string) => decodeWords(headers.get(name) ?? '');
  const language = headers.get('content-language');
  return {
    subject: header('subject'),
    from: header('from'),
    to: header('to'),
    date: headers.get('date') ?? '',
    messageId: headers.get('message-id') ?? '',
    ...(language ? { language } : {}),
    text: plainText(headers, body) ?? '',
  };
}

/** Escaped text with its http(s) URLs as links; the URL text stays exactly as written. */
export function linkify(text: string): string {
  let html = '';
  let last = 0;
  for (const match of text.matchAll(/https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)]/g)) {
    html += escapeHtml(text.slice(last, match.index)) + `<a href="${escapeHtml(match[0])}">${escapeHtml(match[0])}</a>`;
    last = match.index! + match[0].length;
  }
  return html + escapeHtml(text.slice(last));
}

export interface MailboxOptions {
  dataDir: string;
  locale: MailLocale;
  stylesheet?: string;
  /** Most messages shown (newest). */
  limit?: number;
}

/** The mailbox page: newest `.eml` first; the file names sort by time (see `emlName`). */
export async function renderMailbox(options: MailboxOptions): Promise<RenderedPage> {
  const s = { fi: fiMail, en: enMail, sv: svMail }[options.locale].mailbox;
  const dir = join(options.dataDir, 'mail');
  const names = await readdir(dir).catch(() => [] as string[]);
  const newest = names.filter((n) => n.endsWith('.eml') && !n.startsWith('.')).sort().reverse().slice(0, options.limit ?? 100);
  const articles: string[] = [];
  for (const name of newest) {
    const mail = await readFile(join(dir, name)).then(readEml, () => undefined);
    if (!mail) continue; // removed while listing
    const lang = mail.language && /^[a-z]{2}(?:-[A-Za-z0-9]+)*$/.test(mail.language) ? ` lang="${mail.language}"` : '';
    articles.push(`<article class="mail"${lang}>
<h2>${escapeHtml(mail.subject)}</h2>
<dl><dt>${escapeHtml(s.from)}</dt><dd>${escapeHtml(mail.from)}</dd><dt>${escapeHtml(s.to)}</dt><dd>${escapeHtml(mail.to)}</dd><dt>${escapeHtml(s.date)}</dt><dd>${escapeHtml(mail.date)}</dd></dl>
<pre>${linkify(mail.text)}</pre>
</article>`);
  }
  const body = `<!doctype html>
<html lang="${options.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(s.title)}</title>
<link rel="stylesheet" href="${escapeHtml(options.stylesheet ?? PAGES_CSS_PATH)}">
</head>
<body>
<main>
<h1>${escapeHtml(s.title)}</h1>
<p>${escapeHtml(s.intro)}</p>
${articles.length ? articles.join('\n') : `<p>${escapeHtml(s.empty)}</p>`}
</main>
</body>
</html>
`;
  return {
    status: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "default-src 'none'; style-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
      'content-language': options.locale,
    },
    body,
  };
}
