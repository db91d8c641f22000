import type { i18n as I18n, InitOptions, TOptions } from 'i18next';

/** The languages every string and the notice exist in, in the order the language switch offers them. */
export const LOCALES = ['fi', 'sv', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'fi';

/** `ui`: shared and notice strings; `notice`: the notice document; `consent`: consent strings and the purpose catalogue; `request`: the data-request form. */
export type Namespace = 'ui' | 'notice' | 'consent' | 'request' | 'preferences';

type Loader = () => Promise<{ default: unknown }>;

// One dynamic import per language and namespace, so a page downloads only the
// language it shows; bundlers turn each into its own chunk.
const loaders: Record<Locale, Record<Namespace, Loader>> = {
  fi: {
    ui: () => import('../locales/fi/ui.json'),
    notice: () => import('../locales/fi/notice.json'),
    consent: () => import('../locales/fi/consent.json'),
    request: () => import('../locales/fi/request.json'),
    preferences: () => import('../locales/fi/preferences.json'),
  },
  sv: {
    ui: () => import('../locales/sv/ui.json'),
    notice: () => import('../locales/sv/notice.json'),
    consent: () => import('../locales/sv/consent.json'),
    request: () => import('../locales/sv/request.json'),
    preferences: () => import('../locales/sv/preferences.json'),
  },
  en: {
    ui: () => import('../locales/en/ui.json'),
    notice: () => import('../locales/en/notice.json'),
    consent: () => import('../locales/en/consent.json'),
    request: () => import('../locales/en/request.json'),
    preferences: () => import('../locales/en/preferences.json'),
  },
};

const OPTIONS: InitOptions = {
  lng: DEFAULT_LOCALE,
  fallbackLng: false,
  supportedLngs: [...LOCALES],
  ns: [],
  resources: {},
  partialBundledLanguages: true,
  initAsync: false,
  // lit escapes everything it renders; escaping here would double-escape.
  interpolation: { escapeValue: false },
  returnNull: false,
};

// The strings as fetched, by `locale/namespace`: what `firstPaint` reads.
const bundles = new Map<string, Record<string, unknown>>();

// A private i18next instance: the host page's own i18next (if any) is never touched.
// It is fetched only on demand: when a string needs what `firstPaint` cannot
// answer (see `paint`), or when code asks for it (`whenI18next`, e.g. lit SSR).
// The package's own strings never need it. Once loaded, every string comes from it.
let instance: I18n | undefined;
let loadingI18next: Promise<I18n> | undefined;
const onLoad = new Set<() => void>();

/** Calls `listener` when i18next has loaded (the hosts re-render with its answers). */
export function onI18next(listener: () => void): void {
  onLoad.add(listener);
}

/** Loads i18next (once) with every bundle fetched so far; later bundles are added as they arrive. */
export function whenI18next(): Promise<I18n> {
  return (loadingI18next ??= import('i18next').then(
    ({ createInstance }) => {
      const i18n = createInstance();
      void i18n.init(OPTIONS);
      for (const [key, bundle] of bundles) {
        const [locale, ns] = key.split('/') as [Locale, Namespace];
        i18n.addResourceBundle(locale, ns, bundle, true, true);
      }
      instance = i18n;
      onLoad.forEach((listener) => listener());
      return i18n;
    },
    (error: unknown) => {
      // not fetched (offline, blocked): the fast path's answers stay; the next string that needs it tries again
      loadingI18next = undefined;
      throw error;
    },
  ));
}

// Options only i18next acts on; `count` and `context` only when the key has suffixed forms (`key_one`, `key_male`).
const I18NEXT_OPTIONS = /^(defaultValue\w*|returnObjects|returnDetails|joinArrays|replace|interpolation|skipInterpolation|postProcess|ordinal|lngs?|ns|fallbackLng|keySeparator|nsSeparator)$/;

/**
 * The lookup and `{{name}}` interpolation of the fetched JSON, and whether that
 * is exactly i18next's answer: not for a key missing from a loaded bundle, a
 * string with `$t(` nesting or any other `{{…}}` (formatters, `{{- raw}}`, paths),
 * an i18next option, or `count`/`context` on a key with plural or context forms.
 */
function paint(locale: Locale, key: string, options: TOptions = {}): [text: string, exact: boolean] {
  const colon = key.indexOf(':');
  const ns = colon < 0 ? 'ui' : key.slice(0, colon);
  const path = colon < 0 ? key : key.slice(colon + 1);
  const parts = path.split('.');
  const last = parts.pop()!;
  let parent: unknown = bundles.get(`${locale}/${ns}`);
  if (!parent) return [path, true]; // not loaded: i18next would not know it either
  for (const part of parts) parent = (parent as Record<string, unknown> | undefined)?.[part];
  const value = (parent as Record<string, unknown> | undefined)?.[last];
  if (typeof value !== 'string') return [path, false];
  const names = Object.keys(options);
  const exact =
    !/\$t\(|{{(?!\s*\w+\s*}})/.test(value) &&
    !names.some((name) => I18NEXT_OPTIONS.test(name)) &&
    !(names.some((name) => name === 'count' || name === 'context') && Object.keys(parent!).some((k) => k.startsWith(`${last}_`)));
  // as i18next: a value not given leaves its placeholder
  const text = value.replace(/{{\s*(\w+)\s*}}/g, (match, name: string) => {
    const v = (options as Record<string, unknown>)[name];
    return v === undefined ? match : String(v);
  });
  return [text, exact];
}

/**
 * A string before i18next has loaded (it is what the page shows until then):
 * test/i18n checks that it answers exactly what i18next answers for every
 * string in locales/, and that what it cannot answer fetches i18next.
 * @internal exported for that test
 */
export function firstPaint(locale: Locale, key: string, options?: TOptions): string {
  return paint(locale, key, options)[0];
}

const loaded = new Set<string>();
const pending = new Map<string, Promise<void>>();

/** Loads the namespaces for a locale once; later calls share the same promise. */
export function loadNamespaces(locale: Locale, namespaces: readonly Namespace[]): Promise<void> {
  return Promise.all(
    namespaces.map((ns) => {
      const key = `${locale}/${ns}`;
      let promise = pending.get(key);
      if (!promise) {
        promise = loaders[locale][ns]().then(
          (module) => {
            bundles.set(key, module.default as Record<string, unknown>);
            instance?.addResourceBundle(locale, ns, module.default as object, true, true);
            loaded.add(key);
          },
          (error: unknown) => {
            pending.delete(key); // let a later attempt retry
            throw error;
          },
        );
        pending.set(key, promise);
      }
      return promise;
    }),
  ).then(() => undefined);
}

/** True when the namespaces of a locale have loaded (then `translate` and `resourceBundle` answer). */
export function hasNamespaces(locale: Locale, namespaces: readonly Namespace[]): boolean {
  return namespaces.every((ns) => loaded.has(`${locale}/${ns}`));
}

/** A string in the given locale; `key` may name its namespace (`consent:form.save`), else `ui`. Empty before anything loaded. */
export function translate(locale: Locale, key: string, options?: TOptions): string {
  if (instance) return instance.t(key, { ...options, lng: locale, ns: 'ui', nsSeparator: ':' }) as string;
  if (!bundles.size) return '';
  const [text, exact] = paint(locale, key, options);
  if (!exact) whenI18next().catch(() => undefined); // the hosts re-render when it arrives
  return text;
}

/** The raw resource bundle of a namespace (e.g. the notice document), or undefined if not loaded. */
export function resourceBundle(locale: Locale, ns: Namespace): unknown {
  return bundles.get(`${locale}/${ns}`);
}

/** Maps a BCP 47 tag to a supported locale (`en-GB` → `en`), or undefined. */
export function toLocale(tag: string | null | undefined): Locale | undefined {
  const primary = tag?.trim().toLowerCase().split('-')[0];
  return LOCALES.find((locale) => locale === primary);
}

/** The first supported locale among the candidates, else Finnish. */
export function resolveLocale(...candidates: (string | null | undefined)[]): Locale {
  for (const candidate of candidates) {
    const locale = toLocale(candidate);
    if (locale) return locale;
  }
  return DEFAULT_LOCALE;
}
