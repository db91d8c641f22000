import type { i18n as I18n, InitOptions, TOptions } from 'i18next';

/** The languages every string and the notice exist in. */
export const LOCALES = ['fi', 'en'] as const;
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

// The strings as fetched, by `locale/namespace`: what the first render reads.
const bundles = new Map<string, Record<string, unknown>>();

// A private i18next instance: the host page's own i18next (if any) is never touched.
// i18next is fetched after the first strings have arrived and rendered (it is
// not needed to show them: see `firstPaint` below), so it does not delay the
// first paint; from then on every string comes from i18next.
let instance: I18n | undefined;
let loadingI18next: Promise<I18n> | undefined;

/** Loads i18next (once) with every bundle fetched so far; later bundles are added as they arrive. */
export function whenI18next(): Promise<I18n> {
  return (loadingI18next ??= import('i18next').then(({ createInstance }) => {
    const i18n = createInstance();
    void i18n.init(OPTIONS);
    for (const [key, bundle] of bundles) {
      const [locale, ns] = key.split('/') as [Locale, Namespace];
      i18n.addResourceBundle(locale, ns, bundle, true, true);
    }
    return (instance = i18n);
  }));
}

// i18next could not be fetched (offline, blocked): the strings keep coming from the JSON; try again with the next strings.
const retryLater = () => void (loadingI18next = undefined);

const idle = (callback: () => void) =>
  typeof requestIdleCallback === 'function' ? requestIdleCallback(callback, { timeout: 500 }) : setTimeout(callback, 50);

/**
 * A string before i18next has loaded: the lookup and `{{name}}` interpolation
 * of the fetched JSON, which is all the first render of these strings needs
 * (no plurals, nesting or formatters in locales/: test/i18n checks that it
 * answers exactly what i18next answers for every string).
 * @internal exported for that test
 */
export function firstPaint(locale: Locale, key: string, options?: TOptions): string {
  const colon = key.indexOf(':');
  const ns = colon < 0 ? 'ui' : key.slice(0, colon);
  const path = colon < 0 ? key : key.slice(colon + 1);
  let value: unknown = bundles.get(`${locale}/${ns}`);
  for (const part of path.split('.')) value = (value as Record<string, unknown> | undefined)?.[part];
  if (typeof value !== 'string') return path;
  // as i18next: a value not given leaves its placeholder
  return value.replace(/{{\s*([\w.]+)\s*}}/g, (match, name: string) => {
    const v = (options as Record<string, unknown> | undefined)?.[name];
    return v === undefined ? match : String(v);
  });
}

const loaded = new Set<string>();
let inFlight = 0;
const pending = new Map<string, Promise<void>>();

/** Loads the namespaces for a locale once; later calls share the same promise. */
export function loadNamespaces(locale: Locale, namespaces: readonly Namespace[]): Promise<void> {
  const all = Promise.all(
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
  );
  // Once no strings are on their way and the hosts have rendered them: i18next, for everything after.
  inFlight++;
  const done = () => {
    if (--inFlight === 0 && !loadingI18next) idle(() => inFlight === 0 && void whenI18next().catch(retryLater));
  };
  all.then(done, done);
  return all.then(() => undefined);
}

/** True when the namespaces of a locale have loaded (then `translate` and `resourceBundle` answer). */
export function hasNamespaces(locale: Locale, namespaces: readonly Namespace[]): boolean {
  return namespaces.every((ns) => loaded.has(`${locale}/${ns}`));
}

/** A string in the given locale; `key` may name its namespace (`consent:form.save`), else `ui`. Empty before anything loaded. */
export function translate(locale: Locale, key: string, options?: TOptions): string {
  if (instance) return instance.t(key, { ...options, lng: locale, ns: 'ui', nsSeparator: ':' }) as string;
  return bundles.size ? firstPaint(locale, key, options) : '';
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
