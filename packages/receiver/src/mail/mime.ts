/**
 * The receiver's mails as RFC 5322 messages (MIME: RFC 2045-2047), built
 * here and handed to nodemailer as finished bytes (`raw`): its MailComposer
 * cost about ten times the CPU per confirmation mail (docs/benchmarks.md).
 *
 * What it writes: From, To, Subject, Date, Message-ID, the extra headers,
 * MIME-Version, then a text/plain part, or a multipart/alternative of
 * text/plain and text/html; UTF-8, quoted-printable (base64 for text that is
 * mostly not ASCII). CRLF line ends, header lines folded to 78 characters
 * where the value allows, no line over 998 octets. Dot-stuffing is the SMTP
 * client's job.
 *
 * Strict on headers: a value with a CR, LF or other control character, an
 * address that is not a plain `local@domain`, or an extra header that would
 * repeat one written here throws a TypeError instead of being cleaned up.
 * Nothing the receiver composes has those, so one is a bug to see.
 */
import { randomUUID } from 'node:crypto';
import {
  assertHeaderText,
  base64Lines,
  CRLF,
  encodedWords,
  FOLD_AT,
  foldHeader,
  quotedPrintable,
  textLines,
} from './mime-encoding.js';

export interface MailToSerialize {
  /** `Name <address>`, `"Name, with specials" <address>` or a bare address. */
  from: string;
  /** One recipient, in the same forms. */
  to: string;
  subject: string;
  text: string;
  /** The HTML alternative; without it (or empty) the message is a single text/plain part. */
  html?: string;
  /** Extra header fields (Auto-Submitted, Content-Language, List-Unsubscribe…), written in this order. */
  headers?: Record<string, string>;
  /** `<id@domain>`; by default a random id at the From address's domain. */
  messageId?: string;
  date?: Date;
}

export interface SerializedMail {
  /** The whole message, CRLF line ends, 7-bit. */
  raw: Buffer;
  messageId: string;
  /** SMTP MAIL FROM and RCPT TO: the bare addresses of From and To. */
  envelope: { from: string; to: string[] };
}

export interface Mailbox {
  /** The display name, unquoted; '' when there is none. */
  name: string;
  address: string;
}

// Headers written here: an extra header with one of these names would be a second, conflicting field
// (Cc and Bcc too: the envelope has only the To address).
const OWN_HEADERS = new Set(['from', 'to', 'cc', 'bcc', 'subject', 'date', 'message-id', 'mime-version', 'content-type', 'content-transfer-encoding']);

const ATEXT = "A-Za-z0-9!#$%&'*+/=?^_`{|}~-";
// A dot-atom local part at a host name: the receiver's addresses (schemas.ts Email, MAIL_FROM) are all of this form.
// No `=?`: an encoded word in an addr-spec (RFC 2047 section 5) is decoded by some parsers into another address.
const ADDRESS = new RegExp(`^(?!.*=\\?)[${ATEXT}]+(?:\\.[${ATEXT}]+)*@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$`);
const ATOMS = new RegExp(`^[${ATEXT}]+(?: [${ATEXT}]+)*$`);
const PRINTABLE_WORDS = /^[\x21-\x7e]+(?: [\x21-\x7e]+)*$/;
const MESSAGE_ID = /^<[\x21-\x3b\x3d\x3f-\x7e]+@[\x21-\x3b\x3d\x3f-\x7e]+>$/;

/** `Name <address>`, `"Quoted" <address>` or `address` as its parts; throws on anything else. */
export function parseMailbox(value: string): Mailbox {
  assertHeaderText('address', value);
  const trimmed = value.trim();
  const angle = /^(.*)<([^<>]*)>$/s.exec(trimmed);
  let name = '';
  let address = trimmed;
  if (angle) {
    name = angle[1]!.trim();
    address = angle[2]!.trim();
    const quoted = /^"((?:[^"\\]|\\.)*)"$/s.exec(name);
    if (quoted) name = quoted[1]!.replace(/\\(.)/gs, '$1');
  }
  if (address.length > 254 || !ADDRESS.test(address)) throw new TypeError(`Not a mail address: ${JSON.stringify(value)}`);
  return { name, address };
}

/** A display name as atoms when it can be, a quoted string when it has specials, encoded words when it is not ASCII. */
function displayName(name: string, firstMax: number): string {
  if (/^[\x20-\x7e]*$/.test(name) && !name.includes('=?')) {
    return ATOMS.test(name) ? name : `"${name.replace(/[\\"]/g, '\\$&')}"`;
  }
  return encodedWords(name, firstMax).join(' ');
}

function addressHeader(field: string, mailbox: Mailbox): string {
  if (!mailbox.name) return `${field}: ${mailbox.address}`;
  return foldHeader(field, `${displayName(mailbox.name, FOLD_AT - field.length - 2)} <${mailbox.address}>`);
}

/**
 * Free text (Subject, or an extra header with non-ASCII in it): as itself when
 * it is printable ASCII words that fold into 78-character lines, otherwise as
 * encoded words, which keep every space, tab and character exactly.
 */
function textHeader(field: string, value: string): string {
  const firstMax = FOLD_AT - field.length - 2;
  if (value === '' || (PRINTABLE_WORDS.test(value) && !value.includes('=?'))) {
    const words = value.split(' ');
    if (words[0]!.length <= firstMax && words.every((word) => word.length < FOLD_AT)) return foldHeader(field, value);
  }
  return foldHeader(field, encodedWords(value, firstMax).join(' '));
}

function extraHeader(field: string, value: string): string {
  if (!/^[\x21-\x39\x3b-\x7e]+$/.test(field)) throw new TypeError(`Not a header field name: ${JSON.stringify(field)}`);
  if (OWN_HEADERS.has(field.toLowerCase())) throw new TypeError(`The ${field} header is written by the serializer, not taken from headers`);
  assertHeaderText(field, value);
  // Printable ASCII may be structured (List-Unsubscribe: <url>, <mailto:…>): folded only, never encoded.
  return /^[\x20-\x7e\t]*$/.test(value) ? foldHeader(field, value) : textHeader(field, value);
}

/** RFC 5322 3.3 date-time in UTC: `Thu, 03 Dec 2026 05:02:00 +0000`. */
export const rfc5322Date = (date: Date) => date.toUTCString().replace(/GMT$/, '+0000');

/**
 * One text part: its Content-Type and Content-Transfer-Encoding lines and its
 * encoded body. Quoted-printable unless about a quarter of the bytes are not
 * ASCII (then base64 is the shorter one).
 */
function textPart(type: 'plain' | 'html', text: string): { head: string; body: string; quoted: boolean } {
  const lines = textLines(text);
  const joined = lines.join(CRLF);
  const byteLength = Buffer.byteLength(joined, 'utf8');
  // Each non-ASCII character takes 1-2 bytes more than its UTF-16 length: about half of its bytes.
  const nonAscii = 2 * (byteLength - joined.length);
  const quoted = nonAscii * 4 <= byteLength;
  const head = `Content-Type: text/${type}; charset=utf-8${CRLF}Content-Transfer-Encoding: ${quoted ? 'quoted-printable' : 'base64'}`;
  return { head, body: quoted ? quotedPrintable(lines) : base64Lines(Buffer.from(joined, 'utf8')), quoted };
}

/** The whole message. Throws a TypeError (or RangeError: a header word over 998 octets) on what it will not write. */
export function serializeMail(mail: MailToSerialize): SerializedMail {
  const from = parseMailbox(mail.from);
  const to = parseMailbox(mail.to);
  assertHeaderText('Subject', mail.subject);
  const messageId = mail.messageId ?? `<${randomUUID()}@${from.address.slice(from.address.lastIndexOf('@') + 1)}>`;
  if (!MESSAGE_ID.test(messageId)) throw new TypeError(`Not a Message-ID: ${JSON.stringify(messageId)}`);

  const head = [
    addressHeader('From', from),
    addressHeader('To', to),
    textHeader('Subject', mail.subject),
    `Date: ${rfc5322Date(mail.date ?? new Date())}`,
    `Message-ID: ${messageId}`,
  ];
  for (const [field, value] of Object.entries(mail.headers ?? {})) head.push(extraHeader(field, value));
  head.push('MIME-Version: 1.0');

  let body: string;
  if (mail.html) {
    // `=_` cannot occur in quoted-printable or base64 text, so no part can hold the delimiter line.
    const boundary = `=_pw_${randomUUID().replace(/-/g, '')}`; // randomUUID draws from a pool: no syscall per mail
    head.push(`Content-Type: multipart/alternative;${CRLF} boundary="${boundary}"`);
    const plain = textPart('plain', mail.text);
    const html = textPart('html', mail.html);
    body = [`--${boundary}`, plain.head, '', plain.body, `--${boundary}`, html.head, '', html.body, `--${boundary}--`, ''].join(CRLF);
  } else {
    const plain = textPart('plain', mail.text);
    head.push(plain.head);
    // The message ends in CRLF: after quoted-printable as a soft line break (`=`), which adds nothing to the text.
    body = plain.body.endsWith(CRLF) || plain.body === '' ? plain.body : `${plain.body}${plain.quoted ? '=' : ''}${CRLF}`;
  }
  const raw = Buffer.from(`${head.join(CRLF)}${CRLF}${CRLF}${body}`, 'latin1');
  return { raw, messageId, envelope: { from: from.address, to: [to.address] } };
}
