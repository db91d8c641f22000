import type * as Schemas from '@optimesys/privacy-records/schemas';
import type * as Sender from './send-record.js';

type Loaded = typeof Sender & { Email: typeof Schemas.Email };
let loading: Promise<Loaded> | undefined;
let loaded: Loaded | undefined;

/**
 * Signing, the outbox and the record schemas (zod), fetched when a form is
 * first used rather than with the page: they are most of a form's bytes and
 * none of its first render.
 */
export function loadSender(): Promise<Loaded> {
  return (loading ??= Promise.all([import('./send-record.js'), import('@optimesys/privacy-records/schemas')]).then(
    ([sender, schemas]) => (loaded = { ...sender, Email: schemas.Email }),
  ));
}

/** A synchronous e-mail check: the record schema once loaded, until then the browser's own `type=email` rule. */
export function isEmail(value: string): boolean {
  if (loaded) return loaded.Email.safeParse(value).success;
  const input = document.createElement('input');
  input.type = 'email';
  input.value = value;
  return value !== '' && input.checkValidity();
}

/** The page URL a record names as its source: no query or fragment, which may carry personal data. */
export function sourceUrl(): string {
  return `${location.origin}${location.pathname}`;
}
