import { createInstance, type i18n as I18n, type InitOptions, type TOptions } from 'i18next';

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

// A private instance: the host page's own i18next (if any) is never touched.
// Set up in a task of its own once the first language chunks are requested,
// so that it runs while they download rather than before they are asked for.
let instance: I18n | undefined;
function i18n(): I18n {
  if (!instance) {
    instance = createInstance();
    void instance.init(OPTIONS);
  }
  return instance;
}

const loaded = new Set<string>();
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
            i18n().addResourceBundle(locale, ns, module.default as object, true, true);
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
  if (!instance) setTimeout(i18n);
  return all;
}

/** True when the namespaces of a locale have loaded (then `translate` and `resourceBundle` answer). */
export function hasNamespaces(locale: Locale, namespaces: readonly Namespace[]): boolean {
  return namespaces.every((ns) => loaded.has(`${locale}/${ns}`));
}

/** A string in the given locale; `key` may name its namespace (`consent:form.save`), else `ui`. Empty before anything loaded. */
export function translate(locale: Locale, key: string, options?: TOptions): string {
  return instance ? (instance.t(key, { ...options, lng: locale, ns: 'ui', nsSeparator: ':' }) as string) : '';
}

/** The raw resource bundle of a namespace (e.g. the notice document), or undefined if not loaded. */
export function resourceBundle(locale: Locale, ns: Namespace): unknown {
  return instance?.getResourceBundle(locale, ns) as unknown;
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
