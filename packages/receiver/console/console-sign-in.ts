import { html, LitElement, nothing, type PropertyDeclarations, type TemplateResult } from 'lit';
import type { ConsoleApi, SignInOptions } from './api.js';
import { translator, type Locale } from './i18n.js';
import { tokens, viewStyles } from './styles.js';

type View = { state: 'ask'; sending?: boolean; error?: string } | { state: 'sent' };

// The browser's own check of an address (the same as `type=email`), without showing its bubble.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The sign-in view: a link to the company's OpenID Connect provider, and a
 * form that mails a one-time sign-in link to an address the receiver lists.
 * Whatever the address, the answer is the same neutral message: the form
 * never tells who may sign in.
 *
 * @tagname console-sign-in
 * @summary Sign in with the company's accounts or a mailed link.
 */
export class ConsoleSignIn extends LitElement {
  static override styles = [tokens, viewStyles];
  static override properties: PropertyDeclarations = {
    api: { attribute: false },
    locale: { attribute: false },
    options: { attribute: false },
  };

  /** The console API (its `requestLink`, and the provider's `oidcUrl`). */
  declare api: ConsoleApi;
  /** The language shown. */
  declare locale: Locale;
  /** Which ways to sign in the receiver offers (from its 401 answer to the session). */
  declare options: SignInOptions;

  constructor() {
    super();
    this.locale = 'fi';
    this.options = { oidc: false, link: false };
  }

  #view: View = { state: 'ask' };
  #emailError = '';

  #show(view: View): void {
    this.#view = view;
    this.requestUpdate();
  }

  // --- handlers ---

  async #onSubmit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    if (this.#view.state !== 'ask' || this.#view.sending) return;
    const input = this.renderRoot.querySelector<HTMLInputElement>('#email')!;
    const email = input.value.trim();
    if (!EMAIL.test(email)) {
      this.#emailError = email ? 'signIn.emailInvalid' : 'signIn.emailMissing';
      this.requestUpdate();
      await this.updateComplete;
      input.focus();
      return;
    }
    this.#emailError = '';
    this.#show({ state: 'ask', sending: true });
    try {
      await this.api.requestLink(email);
      this.#show({ state: 'sent' });
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>('#sent')?.focus();
    } catch (error) {
      const code = (error as { code?: string }).code;
      this.#show({ state: 'ask', error: code === 'network' ? 'errors.network' : 'signIn.failed' });
    }
  }

  #onAgain(): void {
    this.#show({ state: 'ask' });
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLInputElement>('#email')?.focus());
  }

  // --- render ---

  protected override render(): TemplateResult {
    const t = translator(this.locale);
    const { oidc, link } = this.options;
    return html`<section lang=${this.locale} aria-labelledby="title">
      <h1 id="title" tabindex="-1">${t('signIn.title')}</h1>
      ${oidc
        ? html`<p><a class="button" href=${this.api.oidcUrl}>${t('signIn.oidc')}</a></p>`
        : nothing}
      ${link ? this.#renderLink(t) : nothing}
      ${!oidc && !link ? html`<p role="alert">${t('signIn.none')}</p>` : nothing}
    </section>`;
  }

  #renderLink(t: ReturnType<typeof translator>): TemplateResult {
    const v = this.#view;
    if (v.state === 'sent') {
      return html`<h2>${t('signIn.linkTitle')}</h2>
        <p id="sent" class="status" role="status" tabindex="-1">${t('signIn.sent')}</p>
        <button type="button" class="secondary" @click=${this.#onAgain}>${t('signIn.again')}</button>`;
    }
    const error = this.#emailError;
    return html`<h2 id="link-title">${t('signIn.linkTitle')}</h2>
      <form novalidate aria-labelledby="link-title" @submit=${this.#onSubmit}>
        <p class="muted" id="link-hint">${t('signIn.linkHint')}</p>
        <label for="email">${t('signIn.email')}</label>
        <input
          id="email"
          name="email"
          type="email"
          autocomplete="email"
          inputmode="email"
          maxlength="254"
          required
          aria-invalid=${error ? 'true' : 'false'}
          aria-describedby=${error ? 'link-hint email-error' : 'link-hint'}
        />
        ${error ? html`<p id="email-error" class="error">${t(error)}</p>` : nothing}
        <button type="submit" ?disabled=${Boolean(v.sending)}>${v.sending ? t('signIn.sending') : t('signIn.send')}</button>
        <p class="status" role="alert">${v.error ? t(v.error) : ''}</p>
      </form>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'console-sign-in': ConsoleSignIn;
  }
}
