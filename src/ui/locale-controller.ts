import { isServer, type ReactiveController, type ReactiveControllerHost } from 'lit';
import type { TOptions } from 'i18next';
import {
  hasNamespaces,
  loadNamespaces,
  onI18next,
  resolveLocale,
  translate,
  type Locale,
  type Namespace,
} from '../i18n.js';

type Host = ReactiveControllerHost & HTMLElement & { readonly hasUpdated: boolean };

// On the server (lit SSR) there is no document: renderElements() preloads
// every language and says which one a tag without `lang` renders in.
let serverLocale: Locale = 'fi';
/** Server only: the language of elements without their own `lang` (set by renderElements while it renders). */
export function setServerLocale(locale: Locale): void {
  serverLocale = locale;
}

// One observer for the whole document: a change of the page's (or any
// ancestor's) `lang` re-resolves every connected element.
const hosts = new Set<LocaleController>();
let observer: MutationObserver | undefined;

// A string the JSON alone could not answer fetched i18next: every element renders again with its answers.
onI18next(() => hosts.forEach((c) => c.rerender()));

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
  get locale(): Locale | undefined {
    // Server: every language is loaded before rendering; the element's own `lang`, else renderElements' choice.
    if (isServer) return resolveLocale(this.#host.getAttribute('lang'), serverLocale);
    return this.#locale;
  }
  #locale: Locale | undefined;
  /** The language asked for; differs from `locale` while it loads. */
  wanted: Locale | undefined;
  /** Set when the strings could not be loaded (offline, blocked chunk). */
  loadError: unknown;

  readonly #host: Host;
  readonly #namespaces: () => readonly Namespace[];
  /** The language of a server-rendered shadow root not yet hydrated: hydration must render the same. */
  #serverRendered: Locale | undefined;

  /** `namespaces` is asked again on each refresh: what the host needs may change. */
  constructor(host: Host, namespaces: () => readonly Namespace[]) {
    this.#host = host;
    this.#namespaces = namespaces;
    host.addController(this);
  }

  hostConnected(): void {
    // Declarative Shadow DOM from renderElements(): its root element carries the
    // language it was rendered in. Hydrate in that one; switch after if the page wants another.
    const rendered = this.#host.hasUpdated ? null : this.#host.shadowRoot?.querySelector('[lang]');
    if (rendered) this.#serverRendered = resolveLocale(rendered.getAttribute('lang'));
    observeDocumentLang(this);
    this.refresh();
    // Nothing to show before the first strings arrive: say so on the host, which
    // is also what a page's reserve-space CSS keeps room by (README).
    if (!this.#locale && !this.#serverRendered) this.#host.setAttribute('aria-busy', 'true');
  }

  hostUpdated(): void {
    if (this.#serverRendered && this.#locale === this.#serverRendered) {
      // Hydrated: from now on the language follows the element and the page.
      this.#serverRendered = undefined;
      queueMicrotask(() => this.refresh());
    }
  }

  /**
   * False while a server-rendered shadow root waits for its strings: hydrating
   * before them would render something else than the server did. Hosts return
   * this from `shouldUpdate`.
   */
  get ready(): boolean {
    return !this.#serverRendered || this.locale === this.#serverRendered;
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
    if (isServer) return;
    const wanted =
      this.#serverRendered ??
      resolveLocale(
        host.getAttribute('lang'),
        host.parentElement?.closest('[lang]')?.getAttribute('lang'),
        document.documentElement.lang,
      );
    if (wanted === this.wanted && !force) return;
    this.wanted = wanted;
    const namespaces = this.#namespaces();
    if (hasNamespaces(wanted, namespaces)) {
      if (this.#locale !== wanted) this.#settle(wanted);
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
        host.removeAttribute('aria-busy');
        console.error(`[privacy-widgets] could not load the "${wanted}" strings`, error);
        host.requestUpdate();
      },
    );
  }

  /** Renders the host again (i18next has arrived). */
  rerender(): void {
    this.#host.requestUpdate();
  }

  /** True while a language is being loaded. */
  get busy(): boolean {
    if (isServer) return false;
    return this.wanted !== this.locale && !this.loadError;
  }

  /** A UI string in the current language. */
  t(key: string, options?: TOptions): string {
    return this.locale ? translate(this.locale, key, options) : '';
  }

  #settle(locale: Locale): void {
    if (!this.#locale) this.#host.removeAttribute('aria-busy');
    this.#locale = locale;
    this.loadError = undefined;
    this.#host.requestUpdate();
  }
}
