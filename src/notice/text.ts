/** A piece of notice text: plain, or a link the text itself spells out. */
export interface TextToken {
  kind: 'text' | 'url' | 'email' | 'phone';
  text: string;
  href?: string;
}

// Only what the text spells out becomes a link, and only with these schemes:
// a document cannot smuggle in `javascript:` or any markup.
const LINKABLE =
  /(https?:\/\/[^\s<>"]*[^\s<>".,;:!?)\]])|([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})/g;
const PHONE = /^\+?\d[\d ()-]{5,}\d$/;

/** Splits text into plain runs and links (http(s) URLs and e-mail addresses). */
export function tokenize(text: string): TextToken[] {
  const tokens: TextToken[] = [];
  let last = 0;
  for (const match of text.matchAll(LINKABLE)) {
    const start = match.index;
    if (start > last) tokens.push({ kind: 'text', text: text.slice(last, start) });
    const [whole, url] = match;
    tokens.push(
      url
        ? { kind: 'url', text: whole, href: whole }
        : { kind: 'email', text: whole, href: `mailto:${whole}` },
    );
    last = start + whole.length;
  }
  if (last < text.length) tokens.push({ kind: 'text', text: text.slice(last) });
  return tokens;
}

/** Like `tokenize`, but a value that is only a phone number becomes a `tel:` link. */
export function tokenizeValue(value: string): TextToken[] {
  const trimmed = value.trim();
  if (PHONE.test(trimmed)) {
    return [{ kind: 'phone', text: value, href: `tel:${trimmed.replace(/[^\d+]/g, '')}` }];
  }
  return tokenize(value);
}

/** Formats an ISO date the way the seed writes dates in both languages: 24.5.2018. */
export function formatDate(iso: string): string {
  const [year, month, day] = iso.split('-').map(Number);
  return `${String(day)}.${String(month)}.${String(year)}`;
}
