import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { TOptions } from 'i18next';
import {
  hasNamespaces,
  loadNamespaces,
  resolveLocale,
  translate,
  type Locale,
  type Namespace,
} from '../i18n.js';

type Host = ReactiveControllerHost & HTMLElement;

// One observer for the whole document: a change of the page's (or any
// ancestor's) `lang` re-resolves every connected element.
const hosts = new Set<LocaleController>();
let observer: MutationObserver | undefined;

function observeDocumentLang(controller: LocaleController): void {
  hosts.add(controller);
  if (!observer) {
    observer = new MutationObserver(() => hosts.forEach((c) => c.refresh()));
    observer.observe(document.documentElement, {
      attributes: true,
      attributeFilter: ['lang'],
      subtree: true,
    });
  }
}

/**
 * Resolves the element's language (its own `lang`, then the nearest ancestor's,
 * then the page's, then Finnish), loads the namespaces it needs for that
 * language, and re-renders the host when either changes. Until the new
 * language has loaded, the host keeps showing the previous one.
 */
export class LocaleController implements ReactiveController {
  /** The language the host renders in now (its strings are loaded). */
  locale: Locale | undefined;
  /** The language asked for; differs from `locale` while it loads. */
  wanted: Locale | undefined;
  /** Set when the strings could not be loaded (offline, blocked chunk). */
  loadError: unknown;

  readonly #host: Host;
  readonly #namespaces: () => readonly Namespace[];

  /** `namespaces` is asked again on each refresh: what the host needs may change. */
  constructor(host: Host, namespaces: () => readonly Namespace[]) {
    this.#host = host;
    this.#namespaces = namespaces;
    host.addController(this);
  }

  hostConnected(): void {
    observeDocumentLang(this);
    this.refresh();
  }

  hostDisconnected(): void {
    hosts.delete(this);
  }

  /**
   * Re-resolves the language; call when the host's `lang` attribute changes,
   * or with `force` when the namespaces it needs changed.
   */
  refresh(force = false): void {
    const host = this.#host;
    const wanted = resolveLocale(
      host.getAttribute('lang'),
      host.parentElement?.closest('[lang]')?.getAttribute('lang'),
      document.documentElement.lang,
    );
    if (wanted === this.wanted && !force) return;
    this.wanted = wanted;
    const namespaces = this.#namespaces();
    if (hasNamespaces(wanted, namespaces)) {
      if (this.locale !== wanted) this.#settle(wanted);
      return;
    }
    host.requestUpdate(); // render the busy state
    loadNamespaces(wanted, namespaces).then(
      () => {
        if (this.wanted === wanted) this.#settle(wanted);
      },
      (error: unknown) => {
        if (this.wanted !== wanted) return;
        this.loadError = error;
        console.error(`[privacy-widgets] could not load the "${wanted}" strings`, error);
        host.requestUpdate();
      },
    );
  }

  /** True while a language is being loaded. */
  get busy(): boolean {
    return this.wanted !== this.locale && !this.loadError;
  }

  /** A UI string in the current language. */
  t(key: string, options?: TOptions): string {
    return this.locale ? translate(this.locale, key, options) : '';
  }

  #settle(locale: Locale): void {
    this.locale = locale;
    this.loadError = undefined;
    this.#host.requestUpdate();
  }
}
