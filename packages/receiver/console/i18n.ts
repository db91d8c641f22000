import en from './locales/en/console.json';
import fi from './locales/fi/console.json';
import sv from './locales/sv/console.json';

// The console's own strings, bundled: three small files, so the language switch
// is instant and needs no request (and no i18next: `{{name}}` and plural
// forms are all the console uses).

/** The console's languages, in the order of the widgets' language switch. */
export const LOCALES = ['fi', 'sv', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

/** Each language's name in itself, for the switch (a name in its own language is understood by its readers). */
export const AUTONYMS: Record<Locale, string> = { fi: 'Suomi', sv: 'Svenska', en: 'English' };

type Bundle = { [key: string]: string | Bundle };
const BUNDLES: Record<Locale, Bundle> = { fi, sv, en };

export type Translate = (key: string, values?: Record<string, string | number>) => string;

/** The supported locale a language tag names (`en-GB` → `en`), or undefined. */
export function toLocale(tag: string | null | undefined): Locale | undefined {
  const primary = tag?.trim().toLowerCase().split('-')[0];
  return LOCALES.find((locale) => locale === primary);
}

function lookup(bundle: Bundle, key: string): string | undefined {
  let node: string | Bundle | undefined = bundle;
  for (const part of key.split('.')) node = typeof node === 'object' ? node[part] : undefined;
  return typeof node === 'string' ? node : undefined;
}

/**
 * The strings of one language: `t('requests.title')`, with `{{name}}` filled
 * from `values`; with a numeric `count`, the key's `_one`/`_other`… form the
 * language's plural rules pick. An unknown key answers itself.
 */
export function translator(locale: Locale): Translate {
  const bundle = BUNDLES[locale];
  const plurals = new Intl.PluralRules(locale);
  return (key, values = {}) => {
    const count = values.count;
    const text =
      (typeof count === 'number' ? lookup(bundle, `${key}_${plurals.select(count)}`) ?? lookup(bundle, `${key}_other`) : undefined) ??
      lookup(bundle, key);
    if (text === undefined) return key;
    return text.replace(/{{\s*(\w+)\s*}}/g, (match, name: string) => (name in values ? String(values[name]) : match));
  };
}

/** Every key of a bundle, nested keys joined with dots (the locale parity test compares these). */
export function keysOf(bundle: Bundle, prefix = ''): string[] {
  return Object.entries(bundle).flatMap(([key, value]) =>
    typeof value === 'string' ? [`${prefix}${key}`] : keysOf(value, `${prefix}${key}.`),
  );
}
