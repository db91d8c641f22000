import { html, LitElement, nothing, type PropertyDeclarations, type TemplateResult } from 'lit';
import { httpApi, type ConsoleApi, type SignInOptions } from './api.js';
import { AUTONYMS, LOCALES, toLocale, translator, type Locale } from './i18n.js';
import { parseRoute, type Route } from './route.js';
import { styles } from './privacy-console.styles.js';
import { tokens, viewStyles } from './styles.js';

type SessionState =
  | { state: 'loading' }
  | { state: 'failed'; reason: string }
  | { state: 'signed-out'; signIn: SignInOptions }
  | { state: 'signed-in'; user: { email: string } };

// Remembered for this browser only (no cookie): the office reads in the language it chose last.
const STORED_LOCALE = 'privacy-console-locale';

/**
 * The privacy office's console: signs in, then shows the data requests, one
 * request with its subject's whole trail, or the consents, as the URL's hash
 * says (`#/requests?status=overdue`, `#/requests/<id>?kid=<kid>`, `#/consents`).
 *
 * @tagname privacy-console
 * @summary The receiver's `/console` page: header, sign-in and the views.
 *
 * @cssprop --pw-color-accent - Links and buttons (and every other `--pw-*` token of the widgets).
 */
export class PrivacyConsole extends LitElement {
  static override styles = [tokens, viewStyles, styles];
  static override properties: PropertyDeclarations = {
    api: { attribute: false },
  };

  /** The receiver's console API; by default the same origin's `/console`. */
  declare api: ConsoleApi;

  constructor() {
    super();
    this.api = httpApi();
  }

  /** The language shown: the element's `lang`, else the one chosen last in this browser, else the page's, else Finnish. */
  get locale(): Locale {
    return toLocale(this.getAttribute('lang')) ?? toLocale(storedLocale()) ?? toLocale(document.documentElement.lang) ?? 'fi';
  }

  #session: SessionState = { state: 'loading' };
  #route: Route = parseRoute(location.hash);
  #listening: ConsoleApi | undefined;

  static override get observedAttributes(): string[] {
    return [...super.observedAttributes, 'lang'];
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('hashchange', this.#onHashChange);
    this.#route = parseRoute(location.hash);
    void this.#loadSession();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('hashchange', this.#onHashChange);
    this.#listening?.removeEventListener('unauthorized', this.#onUnauthorized);
    this.#listening = undefined;
  }

  override attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    super.attributeChangedCallback(name, old, value);
    if (name === 'lang') this.requestUpdate();
  }

  protected override willUpdate(): void {
    // Any 401, from whichever view's call, ends the session here.
    if (this.#listening !== this.api) {
      this.#listening?.removeEventListener('unauthorized', this.#onUnauthorized);
      this.api.addEventListener('unauthorized', this.#onUnauthorized);
      this.#listening = this.api;
    }
  }

  protected override updated(): void {
    const t = translator(this.locale);
    const state = this.#session.state;
    const view = state === 'signed-in' ? viewTitle(this.#route) : state === 'signed-out' ? 'signIn.title' : state === 'failed' ? 'app.unavailable' : 'app.loading';
    // The tab's title names the view (WCAG 2.4.2); the page's language is the one shown.
    document.title = `${t(view)} – ${t('app.title')}`;
    document.documentElement.lang = this.locale;
  }

  async #loadSession(): Promise<void> {
    try {
      const session = await this.api.session();
      this.#show(session.signedIn ? { state: 'signed-in', user: session.user } : { state: 'signed-out', signIn: session.signIn });
    } catch (error) {
      this.#show({ state: 'failed', reason: String((error as Error).message ?? error) });
    }
  }

  #show(session: SessionState): void {
    this.#session = session;
    this.requestUpdate();
  }

  /** After a move to another view, focus goes to its heading, so a screen reader starts there. */
  async #focusView(): Promise<void> {
    await this.updateComplete;
    const view = this.renderRoot.querySelector('main')?.firstElementChild as LitElement | null;
    await view?.updateComplete;
    const heading = view?.shadowRoot?.querySelector<HTMLElement>('h1');
    if (heading) heading.focus();
    else this.renderRoot.querySelector<HTMLElement>('main')?.focus();
  }

  // --- handlers ---

  #onHashChange = (): void => {
    const before = this.#route.view;
    this.#route = parseRoute(location.hash);
    this.requestUpdate();
    if (this.#route.view !== before) void this.#focusView();
  };

  #onUnauthorized = (): void => {
    if (this.#session.state !== 'signed-in') return;
    this.#show({ state: 'loading' });
    void this.#loadSession().then(() => this.#focusView());
  };

  #onLanguage(locale: Locale): void {
    try {
      localStorage.setItem(STORED_LOCALE, locale);
    } catch {
      // storage off: the choice lasts for this page
    }
    this.setAttribute('lang', locale);
  }

  async #onSignOut(): Promise<void> {
    try {
      await this.api.logout();
    } catch {
      // a session already gone is signed out all the same
    }
    this.#show({ state: 'loading' });
    await this.#loadSession();
    void this.#focusView();
  }

  #onSkip(event: Event): void {
    // The hash is the route: the skip link moves focus without touching it.
    event.preventDefault();
    this.renderRoot.querySelector<HTMLElement>('main')?.focus();
  }

  // --- render ---

  protected override render(): TemplateResult {
    const locale = this.locale;
    const t = translator(locale);
    const session = this.#session;
    const signedIn = session.state === 'signed-in' ? session : undefined;
    return html`<div lang=${locale}>
      <a class="skip" href="#main" @click=${this.#onSkip}>${t('app.skip')}</a>
      <header>
        <p class="brand">${t('app.title')}</p>
        ${signedIn ? this.#renderNav(t) : nothing}
        <div class="account">
          ${signedIn ? html`<span>${t('app.signedInAs', { email: signedIn.user.email })}</span>` : nothing}
          <div class="languages" role="group" aria-label=${t('app.language')}>
            ${LOCALES.map(
              (l) => html`<button type="button" lang=${l} aria-pressed=${l === locale ? 'true' : 'false'} @click=${() => this.#onLanguage(l)}>
                ${AUTONYMS[l]}
              </button>`,
            )}
          </div>
          ${signedIn ? html`<button type="button" class="secondary" @click=${this.#onSignOut}>${t('app.signOut')}</button>` : nothing}
        </div>
      </header>
      <main id="main" tabindex="-1" aria-busy=${session.state === 'loading' ? 'true' : 'false'}>${this.#renderMain(t, locale)}</main>
    </div>`;
  }

  #renderNav(t: (key: string) => string): TemplateResult {
    const current = this.#route.view === 'consents' ? 'consents' : 'requests';
    return html`<nav aria-label=${t('app.nav')}>
      <ul>
        <li><a href="#/requests" aria-current=${current === 'requests' ? 'page' : nothing}>${t('app.requests')}</a></li>
        <li><a href="#/consents" aria-current=${current === 'consents' ? 'page' : nothing}>${t('app.consents')}</a></li>
      </ul>
    </nav>`;
  }

  #renderMain(t: (key: string, values?: Record<string, string>) => string, locale: Locale): TemplateResult {
    const session = this.#session;
    if (session.state === 'loading') return html`<h1 tabindex="-1">${t('app.loading')}</h1>`;
    if (session.state === 'failed') {
      return html`<h1 tabindex="-1">${t('app.unavailable')}</h1>
        <p role="alert">${t('app.unavailableHint', { reason: session.reason })}</p>
        <button type="button" @click=${() => this.#loadSession()}>${t('app.retry')}</button>`;
    }
    if (session.state === 'signed-out') return html`<console-sign-in .api=${this.api} .locale=${locale} .options=${session.signIn}></console-sign-in>`;
    const route = this.#route;
    switch (route.view) {
      case 'requests':
        return html`<console-requests .api=${this.api} .locale=${locale} .status=${route.status}></console-requests>`;
      case 'request':
        return html`<console-request .api=${this.api} .locale=${locale} .requestId=${route.id} .kid=${route.kid}></console-request>`;
      case 'consents':
        return html`<console-consents .api=${this.api} .locale=${locale}></console-consents>`;
      default:
        return html`<h1 tabindex="-1">${t('app.notFound')}</h1>
          <p><a href="#/requests">${t('app.toRequests')}</a></p>`;
    }
  }
}

function viewTitle(route: Route): string {
  return route.view === 'not-found' ? 'app.notFound' : route.view === 'request' ? 'request.title' : `${route.view}.title`;
}

function storedLocale(): string | null {
  try {
    return localStorage.getItem(STORED_LOCALE);
  } catch {
    return null;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'privacy-console': PrivacyConsole;
  }
}
