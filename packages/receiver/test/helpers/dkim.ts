/**
 * A minimal DKIM verifier (RFC 6376) for tests: rsa-sha256 with relaxed or
 * simple canonicalization, one signature, the key given directly instead of
 * looked up in DNS. Enough to prove that what the receiver sends is signed
 * correctly, not only that it carries a DKIM-Signature header.
 */
import { createHash, createVerify, type KeyObject } from 'node:crypto';

export type DkimCheck = { ok: true; domain: string; selector: string } | { ok: false; reason: string };

function splitHeaders(head: string): { name: string; raw: string }[] {
  const fields: { name: string; raw: string }[] = [];
  for (const line of head.split('\r\n')) {
    if (/^[ \t]/.test(line) && fields.length) fields[fields.length - 1]!.raw += `\r\n${line}`;
    else fields.push({ name: line.slice(0, line.indexOf(':')).trim().toLowerCase(), raw: line });
  }
  return fields;
}

const relaxedHeader = (raw: string) => {
  const colon = raw.indexOf(':');
  const value = raw
    .slice(colon + 1)
    .replace(/\r\n/g, '')
    .replace(/[ \t]+/g, ' ')
    .trim();
  return `${raw.slice(0, colon).trim().toLowerCase()}:${value}`;
};

function canonicalBody(body: string, mode: string): string {
  let text = body;
  if (mode === 'relaxed') text = text.split('\r\n').map((l) => l.replace(/[ \t]+/g, ' ').replace(/ $/, '')).join('\r\n');
  text = text.replace(/(\r\n)*$/, '');
  return text.length || mode === 'simple' ? `${text}\r\n` : '';
}

export function verifyDkim(raw: Buffer, publicKey: KeyObject): DkimCheck {
  const message = raw.toString('latin1');
  const split = message.indexOf('\r\n\r\n');
  if (split < 0) return { ok: false, reason: 'no body' };
  const fields = splitHeaders(message.slice(0, split));
  const signature = fields.find((f) => f.name === 'dkim-signature');
  if (!signature) return { ok: false, reason: 'no DKIM-Signature' };
  const tags = new Map(
    signature.raw
      .slice(signature.raw.indexOf(':') + 1)
      .replace(/\s+/g, '')
      .split(';')
      .filter(Boolean)
      .map((tag) => [tag.slice(0, tag.indexOf('=')), tag.slice(tag.indexOf('=') + 1)] as [string, string]),
  );
  if (tags.get('a') !== 'rsa-sha256') return { ok: false, reason: `algorithm ${tags.get('a')}` };
  const [headerMode = 'simple', bodyMode = 'simple'] = (tags.get('c') ?? 'simple/simple').split('/');
  const bodyHash = createHash('sha256').update(canonicalBody(message.slice(split + 4), bodyMode), 'latin1').digest('base64');
  if (bodyHash !== tags.get('bh')) return { ok: false, reason: 'body hash' };

  // Each name in h= takes the next instance of that header from the bottom.
  const used = new Map<string, number>();
  const lines: string[] = [];
  for (const name of (tags.get('h') ?? '').toLowerCase().split(':')) {
    const instances = fields.filter((f) => f.name === name && f !== signature);
    const index = instances.length - 1 - (used.get(name) ?? 0);
    used.set(name, (used.get(name) ?? 0) + 1);
    const field = instances[index];
    if (field) lines.push(headerMode === 'relaxed' ? relaxedHeader(field.raw) : field.raw);
  }
  const own = signature.raw.replace(/(\bb=)[^;]*/, '$1');
  lines.push(headerMode === 'relaxed' ? relaxedHeader(own) : own);
  const verifier = createVerify('RSA-SHA256');
  verifier.update(lines.join('\r\n'), 'latin1');
  if (!verifier.verify(publicKey, tags.get('b') ?? '', 'base64')) return { ok: false, reason: 'signature' };
  return { ok: true, domain: tags.get('d') ?? '', selector: tags.get('s') ?? '' };
}
