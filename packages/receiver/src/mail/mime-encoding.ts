/**
 * The encodings `mime.ts` builds a message from: RFC 2047 encoded words for
 * headers, quoted-printable and base64 bodies (RFC 2045), and header folding
 * (RFC 5322 2.2.3). Pure string work, no streams: the receiver's mails are a
 * few kilobytes and are built whole.
 */

export const CRLF = '\r\n';
/** RFC 5322 2.1.1: lines SHOULD stay within 78 characters and MUST within 998. */
export const FOLD_AT = 78;
export const MAX_LINE = 998;
/** RFC 2047 2: an encoded word is at most 75 characters. */
const MAX_WORD = 75;
/** `=?UTF-8?Q?` plus `?=`. */
const WORD_OVERHEAD = 12;

/** Throws on a value that is not one header line's worth of text: a CR or LF would start a new header field. */
export function assertHeaderText(name: string, value: string): void {
  if (/[\x00-\x08\x0a-\x1f\x7f]/.test(value)) {
    throw new TypeError(`The ${name} header value has a control character (CR, LF or other): ${JSON.stringify(value)}`);
  }
}

/**
 * Folds `Name: value` into lines of at most 78 characters where the value has
 * spaces to fold at. Only a space between two non-space characters becomes a
 * fold, so unfolding (removing the CRLF) gives back the value exactly.
 */
export function foldHeader(name: string, value: string): string {
  if (value === '') return `${name}:`;
  let out = `${name}:`;
  let lineLength = out.length;
  for (const segment of value.split(/(?<=\S) (?=\S)/)) {
    if (lineLength > name.length + 1 && lineLength + 1 + segment.length > FOLD_AT) {
      out += `${CRLF} ${segment}`;
      lineLength = 1 + segment.length;
    } else {
      out += ` ${segment}`;
      lineLength += 1 + segment.length;
    }
    if (lineLength > MAX_LINE) throw new RangeError(`The ${name} header has a word too long for a ${MAX_LINE}-octet line`);
  }
  return out;
}

// RFC 2047 5(3): the only characters a Q word may carry as themselves in a phrase (stricter than in Subject, so one rule serves both).
const isQLiteral = (b: number) =>
  (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x21 || b === 0x2a || b === 0x2b || b === 0x2d || b === 0x2f;
const HEX: string[] = Array.from({ length: 256 }, (_, b) => `=${b.toString(16).toUpperCase().padStart(2, '0')}`);
const Q_BYTE: string[] = Array.from({ length: 256 }, (_, b) => (b === 0x20 ? '_' : isQLiteral(b) ? String.fromCharCode(b) : HEX[b]!));

/**
 * `text` as RFC 2047 encoded words (UTF-8): Q when most of it is ASCII (it
 * stays readable), B otherwise. Each word holds whole characters, never part
 * of a UTF-8 sequence, and is at most 75 characters; the first at most
 * `firstMax` (what is left of the header's first line).
 */
export function encodedWords(text: string, firstMax = MAX_WORD): string[] {
  const bytes = Buffer.from(text, 'utf8');
  let qLength = 0;
  for (const b of bytes) qLength += Q_BYTE[b]!.length;
  const useQ = qLength <= Math.ceil(bytes.length / 3) * 4 * 1.5;
  const words: string[] = [];
  let max = Math.max(Math.min(firstMax, MAX_WORD), 24); // room for one 4-byte character in either encoding
  let q = '';
  let chunk: Buffer[] = [];
  let chunkBytes = 0;
  const flush = () => {
    if (useQ ? q : chunkBytes) words.push(useQ ? `=?UTF-8?Q?${q}?=` : `=?UTF-8?B?${Buffer.concat(chunk).toString('base64')}?=`);
    q = '';
    chunk = [];
    chunkBytes = 0;
    max = MAX_WORD;
  };
  for (const char of text) {
    const piece = Buffer.from(char, 'utf8');
    if (useQ) {
      let encoded = '';
      for (const b of piece) encoded += Q_BYTE[b];
      if (q && WORD_OVERHEAD + q.length + encoded.length > max) flush();
      q += encoded;
    } else {
      if (chunkBytes && WORD_OVERHEAD + Math.ceil((chunkBytes + piece.length) / 3) * 4 > max) flush();
      chunk.push(piece);
      chunkBytes += piece.length;
    }
  }
  flush();
  return words;
}

/**
 * Encoded characters per line before the soft break's `=`. RFC 2045 allows 76
 * in all; 73 leaves room for turning a leading `.` or `F` into `=2E`/`=46`.
 */
const QP_CONTENT = 73;

// Quoted-printable keeps printable ASCII but '=' as itself, and space and tab (unless they end a line).
const QP_ENCODE = /[^\x21-\x3c\x3e-\x7e \t]/gu;
const qpChars = new Map<string, string>();
/** One character (a whole code point) as its UTF-8 bytes in `=XX` form; the few a mail has are cached. */
function qpChar(char: string): string {
  let encoded = qpChars.get(char);
  if (encoded === undefined) {
    encoded = '';
    for (const b of Buffer.from(char, 'utf8')) encoded += HEX[b];
    if (qpChars.size < 4096) qpChars.set(char, encoded);
  }
  return encoded;
}

/**
 * A line that starts with `.` (SMTP's end of data when not dot-stuffed) or
 * `From ` (mbox writers prefix `>`, which breaks a DKIM body hash) gets that
 * first character encoded: the wire line no longer starts with it, the text does.
 */
const guardLineStart = (line: string) =>
  line.charCodeAt(0) === 0x2e ? `=2E${line.slice(1)}` : line.startsWith('From ') ? `=46${line.slice(1)}` : line;

/** One line of text (no line break in it) as quoted-printable lines, with soft breaks, preferably after a space. */
function quotedPrintableLine(line: string, out: string[]): void {
  let encoded = line.replace(QP_ENCODE, qpChar);
  // Trailing white space would be stripped on the way (RFC 2045 6.7 (3)).
  const lastChar = encoded.charCodeAt(encoded.length - 1);
  if (lastChar === 0x20 || lastChar === 0x09) encoded = encoded.slice(0, -1) + HEX[lastChar];
  while (encoded.length > QP_CONTENT) {
    // '=' only ever starts an `=XX`, so a cut one or two after an '=' would split one.
    let cut = QP_CONTENT;
    if (encoded.charCodeAt(cut - 1) === 0x3d) cut -= 1;
    else if (encoded.charCodeAt(cut - 2) === 0x3d) cut -= 2;
    const afterSpace = encoded.lastIndexOf(' ', cut - 1) + 1;
    if (afterSpace > QP_CONTENT / 2) cut = afterSpace;
    out.push(`${guardLineStart(encoded.slice(0, cut))}=`);
    encoded = encoded.slice(cut);
  }
  out.push(guardLineStart(encoded));
}

/** Text lines (any of CRLF, CR, LF ends a line) as quoted-printable, joined with CRLF. */
export function quotedPrintable(lines: string[]): string {
  const out: string[] = [];
  for (const line of lines) quotedPrintableLine(line, out);
  return out.join(CRLF);
}

/** Bytes as base64 in lines of 76 characters, joined with CRLF. */
export function base64Lines(bytes: Buffer): string {
  const encoded = bytes.toString('base64');
  const out: string[] = [];
  for (let i = 0; i < encoded.length; i += 76) out.push(encoded.slice(i, i + 76));
  return out.join(CRLF);
}

/** Splits text into lines at CRLF, CR or LF: the body's line ends are all CRLF on the wire. */
export const textLines = (text: string) => text.split(/\r\n|\r|\n/);
