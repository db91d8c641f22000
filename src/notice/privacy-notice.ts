import { html, isServer, LitElement, nothing, type PropertyValues, type TemplateResult, type PropertyDeclarations } from 'lit';
import { LOCALES, resourceBundle, type Locale } from '../i18n.js';
import { LocaleController } from '../ui/locale-controller.js';
import { safeHref } from '../ui/safe-href.js';
import { tokens } from '../ui/tokens.js';
import type { NoticeDocument } from './notice-schema.js';
import { clampLevel, heading } from '../ui/heading.js';
import { renderSection } from './notice-blocks.js';
import { styles } from './privacy-notice.styles.js';
import { formatDate } from './text.js';

type Shown =
  | { state: 'loading' }
  | { state: 'ok'; notice: NoticeDocument }
  | { state: 'invalid'; problems: string[] }
  | { state: 'failed' };

/**
 * The whole privacy notice, in Finnish, Swedish or English, as structured data.
 *
 * @tagname privacy-notice
 * @summary A GDPR privacy notice with a table of contents, deep links and a language switch.
 *
 * @csspart base - The `<article>` wrapping the notice.
 * @csspart header - Title, updated date and language switch.
 * @csspart title - The notice title.
 * @csspart updated - The "updated" line.
 * @csspart language-switch - The group of language buttons.
 * @csspart language-button - Each language button.
 * @csspart toc - The table of contents `<nav>`.
 * @csspart toc-title - The "Contents" heading.
 * @csspart section - Each section.
 * @csspart section-heading - Each section heading.
 * @csspart subheading - Headings inside a section.
 * @csspart list - Bulleted and numbered lists.
 * @csspart details - Term/value lists such as contact details.
 * @csspart link - Links inside the text.
 * @csspart request-link - The link to the data-request form.
 * @csspart error - The message shown when the document is invalid or cannot be loaded.
 *
 * @cssprop --pw-font-family - Font family.
 * @cssprop --pw-color-text - Text colour.
 * @cssprop --pw-color-muted - Secondary text colour.
 * @cssprop --pw-color-background - Background colour.
 * @cssprop --pw-color-surface - Background of the table of contents.
 * @cssprop --pw-color-border - Border colour.
 * @cssprop --pw-color-accent - Links and the active language button.
 * @cssprop --pw-color-on-accent - Text on the accent colour.
 * @cssprop --pw-color-danger - Border of error messages.
 * @cssprop --pw-radius - Corner radius.
 * @cssprop --pw-focus-ring - Focus outline.
 * @cssprop --pw-spacing - Space below the header and around the contents (default 1rem).
 * @cssprop --privacy-notice-max-width - Maximum width (default 48rem).
 * @cssprop --privacy-notice-padding - Padding around the notice (default 0).
 * @cssprop --privacy-notice-scroll-margin - Space kept above a section scrolled to by a deep link (e.g. for a sticky header).
 * @cssprop --privacy-notice-title-size - Font size of the title.
 * @cssprop --privacy-notice-heading-size - Font size of section headings.
 */
export class PrivacyNotice extends LitElement {
  static override styles = [tokens, styles];
  static override properties: PropertyDeclarations = {
    notice: { attribute: false },
    src: {},
    requestHref: { attribute: 'request-href' },
    headingLevel: { attribute: 'heading-level', type: Number },
  };

  /** A notice document to show instead of the built-in one (validated against `NoticeDocument`). */
  declare notice: unknown;

  /** URL of a notice document (JSON). `{lang}` in it is replaced by the language shown, which enables the switch. */
  declare src: string | undefined;

  /** Where the request link leads (the page's `<data-request-form>`). */
  declare requestHref: string;

  /** Level of the title heading in the host page's outline; sections are one level below. */
  declare headingLevel: number;

  constructor() {
    super();
    this.requestHref = '#data-request';
    this.headingLevel = 2;
  }

  readonly #locale = new LocaleController(this, () => (this.#hasOwnDocument ? ['ui'] : ['ui', 'notice']));
  readonly #parsed = new WeakMap<object, Shown>();
  readonly #fetched = new Map<string, { json: unknown } | 'loading' | 'failed'>();
  #shown: Shown = { state: 'loading' };
  #scrolledForHash = false;

  static override get observedAttributes(): string[] {
    return [...super.observedAttributes, 'lang'];
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('hashchange', this.#onHashChange);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('hashchange', this.#onHashChange);
  }

  override attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    super.attributeChangedCallback(name, old, value);
    if (name === 'lang') this.#locale.refresh();
  }

  /** A server-rendered shadow root is hydrated once its strings are here, never rendered over before. */
  protected override shouldUpdate(): boolean {
    return this.#locale.ready;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('notice') || changed.has('src')) this.#locale.refresh(true);
    const locale = this.#locale.locale;
    if (!locale) return;
    const shown = this.#resolve(locale);
    if (shown !== this.#shown) {
      this.#shown = shown;
      if (shown.state === 'invalid') {
        console.error('[privacy-notice] the notice document is invalid:\n' + shown.problems.join('\n'));
      }
    }
  }

  protected override updated(): void {
    // A deep link that arrived before the notice had rendered (`page.html#rights`).
    if (!this.#scrolledForHash && this.#shown.state === 'ok') {
      this.#scrolledForHash = true;
      this.#scrollToHash();
    }
  }

  /** Scrolls to a section by id and moves focus to its heading. Returns false if there is no such section. */
  scrollToSection(id: string): boolean {
    const section = this.shadowRoot?.getElementById(id);
    if (!section || section.localName !== 'section') return false;
    const reduce = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    section.scrollIntoView({ behavior: reduce ? 'auto' : 'smooth', block: 'start' });
    section.querySelector<HTMLElement>('.section-heading')?.focus({ preventScroll: true });
    return true;
  }

  get #hasOwnDocument(): boolean {
    return this.notice != null || Boolean(this.src);
  }

  /** Languages the visitor can switch between: every language for the built-in notice or a `{lang}` src. */
  get #switchable(): boolean {
    return this.notice == null && (!this.src || this.src.includes('{lang}'));
  }

  #resolve(locale: Locale): Shown {
    if (this.notice != null) return this.#validate(this.notice);
    if (this.src) return this.#load(this.src.replaceAll('{lang}', locale));
    // The built-in notice is checked against the schema at build time and in
    // the tests, so the schema code is only downloaded for documents of others.
    const builtIn = resourceBundle(locale, 'notice') as NoticeDocument | undefined;
    return builtIn ? { state: 'ok', notice: builtIn } : { state: 'loading' };
  }

  #validate(value: unknown): Shown {
    if (typeof value !== 'object' || value === null) {
      return { state: 'invalid', problems: ['(document): expected an object'] };
    }
    const known = this.#parsed.get(value);
    if (known) return known;
    this.#parsed.set(value, { state: 'loading' });
    void import('./notice-schema.js').then(({ parseNotice }) => {
      const result = parseNotice(value);
      this.#parsed.set(
        value,
        result.ok ? { state: 'ok', notice: result.notice } : { state: 'invalid', problems: result.problems },
      );
      this.requestUpdate();
    });
    return { state: 'loading' };
  }

  #load(url: string): Shown {
    const entry = this.#fetched.get(url);
    if (entry === 'failed') return { state: 'failed' };
    if (isServer) return { state: 'loading' }; // the browser fetches it
    if (typeof entry === 'object') return this.#validate(entry.json);
    if (!entry) {
      this.#fetched.set(url, 'loading');
      fetch(url, { headers: { accept: 'application/json' } })
        .then((response) => {
          if (!response.ok) throw new Error(`HTTP ${String(response.status)} for ${url}`);
          return response.json() as Promise<unknown>;
        })
        .then(
          (json) => this.#fetched.set(url, { json }),
          (error: unknown) => {
            console.error('[privacy-notice] could not load the notice document', error);
            this.#fetched.set(url, 'failed');
          },
        )
        .finally(() => this.requestUpdate());
    }
    return { state: 'loading' };
  }

  #onHashChange = (): void => {
    this.#scrollToHash();
  };

  #scrollToHash(): void {
    const id = decodeURIComponent(window.location.hash.slice(1));
    if (id) this.scrollToSection(id);
  }

  #onTocClick(event: MouseEvent): void {
    const link = (event.target as Element).closest('a');
    // Following the same hash again fires no `hashchange`; scroll ourselves.
    if (link && link.hash === window.location.hash) {
      event.preventDefault();
      this.scrollToSection(decodeURIComponent(link.hash.slice(1)));
    }
  }

  #switchTo(locale: Locale): void {
    this.lang = locale;
  }

  protected override render(): TemplateResult {
    const locale = this.#locale.locale;
    if (!locale) {
      // Nothing is loaded yet; if loading failed there are no strings to say so with.
      return this.#locale.loadError
        ? html`<p class="message" role="alert" part="error">
            <span lang="fi">Tietosuojaselostetta ei voitu ladata.</span>
            <span lang="sv">Dataskyddsbeskrivningen kunde inte laddas.</span>
            <span lang="en">The privacy notice could not be loaded.</span>
          </p>`
        : html`<article part="base" aria-busy="true"></article>`;
    }
    const t = (key: string) => this.#locale.t(key);
    const shown = this.#shown;
    const level = clampLevel(this.headingLevel);
    const busy = this.#locale.busy || shown.state === 'loading';
    switch (shown.state) {
      case 'loading':
        return html`<article part="base" lang=${locale} aria-busy="true">
          <p role="status">${t('notice.loading')}</p>
        </article>`;
      case 'failed':
        return html`<div class="message" role="alert" part="error" lang=${locale}>${t('notice.loadFailed')}</div>`;
      case 'invalid':
        return html`<div class="message" role="alert" part="error" lang=${locale}>
          <p>${t('notice.invalid')}</p>
          <p>${t('notice.problems')}:</p>
          <ul>
            ${shown.problems.map((problem) => html`<li>${problem}</li>`)}
          </ul>
        </div>`;
    }
    const { notice } = shown;
    const requestHref = safeHref(this.requestHref, '#data-request');
    return html`<article part="base" lang=${notice.lang} aria-labelledby="title" aria-busy=${busy}>
      <header part="header">
        ${heading(level, notice.title, { id: 'title', className: 'title', part: 'title' })}
        <p class="updated" part="updated" lang=${locale}>
          ${t('notice.updated')} <time datetime=${notice.updated}>${formatDate(notice.updated)}</time>
        </p>
        ${this.#switchable ? this.#renderLanguageSwitch(locale) : nothing}
      </header>
      <nav part="toc" aria-labelledby="toc-title" lang=${locale} @click=${this.#onTocClick}>
        ${heading(level + 1, t('notice.contents'), { id: 'toc-title', className: 'toc-title', part: 'toc-title' })}
        <ol>
          ${notice.sections.map(
            (section) => html`<li><a href=${`#${section.id}`} lang=${notice.lang}>${section.heading}</a></li>`,
          )}
        </ol>
      </nav>
      ${notice.sections.map((section) => renderSection(section, level + 1, requestHref))}
    </article>`;
  }

  #renderLanguageSwitch(current: Locale): TemplateResult {
    return html`<div class="language-switch" part="language-switch" role="group" aria-label=${this.#locale.t('common.language')}>
      ${LOCALES.map(
        (locale) => html`<button
          type="button"
          part="language-button"
          lang=${locale}
          aria-pressed=${locale === (this.#locale.wanted ?? current)}
          @click=${() => this.#switchTo(locale)}
        >
          ${this.#locale.t(`common.languageName.${locale}`)}
        </button>`,
      )}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'privacy-notice': PrivacyNotice;
  }
}
