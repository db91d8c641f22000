import { html, LitElement, nothing, type PropertyDeclarations, type TemplateResult } from 'lit';
import { getConfig, onConfigure } from '../config.js';
import { RecordSentEvent } from '../events.js';
import { noticeRef } from '../notice/notice-ref.js';
import { normalizeEmail } from '@optimesys/privacy-records/create';
import type { Receipt } from '@optimesys/privacy-records/schemas';
import { formStyles } from '../ui/form-styles.js';
import { isEmail, loadSender } from '../ui/lazy.js';
import { LocaleController } from '../ui/locale-controller.js';
import { tokens } from '../ui/tokens.js';
import { styles } from './consent-form.styles.js';
import { ConsentToggle } from './consent-toggle.js';
import { consentRecordOf, purposeIds } from './consent-record.js';

type View =
  | { state: 'ask'; asking?: boolean; asked?: boolean; expired?: boolean; error?: string }
  | { state: 'loading' }
  | { state: 'choices'; email: string; granted: Record<string, boolean>; saving?: boolean; saved?: string; error?: string }
  | { state: 'misconfigured' };

/**
 * The visitor's choices from any device: asks for a mailed link (the same
 * answer for any address), and with the link's token shows the address's
 * current state from the receiver, every purpose as a switch; saving sends a
 * signed record with the token, which applies at once.
 *
 * @tagname consent-preferences
 * @summary Choices from any device: a mailed link, then every purpose as a switch.
 *
 * @fires {RecordSentEvent} record-sent - The receiver stored the changed choices. `detail: { record, jws, receipt }`.
 *
 * @csspart form - The link request form and the choices form.
 * @csspart legend - The title above either form.
 * @csspart email - The e-mail field.
 * @csspart error - The e-mail error message.
 * @csspart toggle - Each `<consent-toggle>`.
 * @csspart submit - The "send me a link" and save buttons.
 * @csspart status - Progress, success and failure messages.
 *
 * @cssprop --pw-color-accent - Buttons and switches (and every other `--pw-*` token of `<consent-form>`).
 * @cssprop --consent-form-max-width - Maximum width (default 36rem).
 */
export class ConsentPreferences extends LitElement {
  static override styles = [tokens, formStyles, styles];
  static override properties: PropertyDeclarations = { purposes: {}, endpoint: {}, token: {} };

  /** Purposes offered as switches, in order. */
  declare purposes: string;
  /** URL records are POSTed to; the preference API is `preferences` beside it (`/api/preferences`). */
  declare endpoint: string | undefined;
  /** The link's token; by default read from the page URL's `#token=` (and then removed from the address bar). */
  declare token: string | undefined;

  constructor() {
    super();
    this.purposes = 'newsletter blog events';
  }

  readonly #locale = new LocaleController(this, () => ['consent', 'preferences']);
  #view: View = { state: 'ask' };
  #emailError = '';
  #unsubscribe: (() => void) | undefined;

  static override get observedAttributes(): string[] {
    return [...super.observedAttributes, 'lang'];
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#unsubscribe = onConfigure(() => this.requestUpdate());
    window.addEventListener('hashchange', this.#onHash);
    if (!this.#onHash() && this.token) void this.#load();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#unsubscribe?.();
    window.removeEventListener('hashchange', this.#onHash);
  }

  /** A `#token=` in the page URL (a link opened on this page too): taken, and removed from the address bar. */
  #onHash = (): boolean => {
    const fromUrl = new URLSearchParams(location.hash.slice(1)).get('token');
    if (!fromUrl) return false;
    this.token = fromUrl;
    // The token acts for the address: it leaves the address bar and the history entry.
    history.replaceState(history.state, '', `${location.pathname}${location.search}`);
    void this.#load();
    return true;
  };

  override attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    super.attributeChangedCallback(name, old, value);
    if (name === 'lang') this.#locale.refresh();
  }

  /** `…/api/records` → `…/api/preferences` (plus `/link`). */
  #api(path = ''): string | undefined {
    const records = this.endpoint ?? getConfig().endpoint;
    return records ? new URL(`preferences${path}`, new URL(records, location.href)).href : undefined;
  }

  #show(view: View): void {
    this.#view = view;
    this.requestUpdate();
  }

  async #load(): Promise<void> {
    const url = this.#api();
    if (!url) return this.#show({ state: 'misconfigured' });
    this.#show({ state: 'loading' });
    try {
      const response = await fetch(url, { headers: { authorization: `Bearer ${this.token}` }, credentials: 'omit', cache: 'no-store' });
      if (!response.ok) return this.#show({ state: 'ask', expired: true });
      const body = (await response.json()) as { email: string; purposes: { purpose: string; granted: boolean }[] };
      const granted = Object.fromEntries(body.purposes.map((p) => [p.purpose, p.granted]));
      this.#show({ state: 'choices', email: body.email, granted });
    } catch (error) {
      this.#show({ state: 'ask', error: String((error as Error).message ?? error) });
    }
  }

  // --- handlers ---

  async #onAsk(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const input = this.renderRoot.querySelector<HTMLInputElement>('#email')!;
    const email = normalizeEmail(input.value);
    const url = this.#api('/link');
    if (!url) return this.#show({ state: 'misconfigured' });
    if (!isEmail(email)) {
      this.#emailError = email ? 'consent:form.errors.emailInvalid' : 'consent:form.errors.emailMissing';
      this.requestUpdate();
      void this.updateComplete.then(() => input.focus());
      return;
    }
    this.#emailError = '';
    this.#show({ state: 'ask', asking: true });
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, locale: this.#locale.locale }),
        credentials: 'omit',
      });
      this.#show(response.ok ? { state: 'ask', asked: true } : { state: 'ask', error: `HTTP ${response.status}` });
    } catch (error) {
      this.#show({ state: 'ask', error: String((error as Error).message ?? error) });
    }
  }

  async #onSave(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const view = this.#view;
    const locale = this.#locale.locale;
    if (view.state !== 'choices' || view.saving || !locale) return;
    const toggles = [...this.renderRoot.querySelectorAll<ConsentToggle>('consent-toggle')];
    const granted = Object.fromEntries(toggles.map((t) => [t.purpose, t.checked]));
    this.#show({ ...view, granted, saving: true, saved: undefined, error: undefined });
    try {
      const { sign } = await loadSender();
      const choices = toggles.map((t) => ({ purpose: t.purpose, granted: t.checked }));
      const notice = await noticeRef(locale);
      const unsigned = consentRecordOf({ email: view.email, locale, notice, choices, element: 'consent-preferences' });
      const { jws, record } = await sign(unsigned);
      const response = await fetch(new URL(this.endpoint ?? getConfig().endpoint!, location.href), {
        method: 'POST',
        headers: { 'content-type': 'application/jose', authorization: `Bearer ${this.token}` },
        body: jws,
        credentials: 'omit',
        cache: 'no-store',
      });
      if (response.status === 401) return this.#show({ state: 'ask', expired: true });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const receipt = (await response.json()) as Receipt;
      this.#show({ state: 'choices', email: view.email, granted, saved: record.id });
      this.dispatchEvent(new RecordSentEvent({ record, jws, receipt }));
    } catch (error) {
      this.#show({ state: 'choices', email: view.email, granted, error: String((error as Error).message ?? error) });
    }
  }

  // --- render ---

  protected override render(): TemplateResult | typeof nothing {
    const locale = this.#locale.locale;
    if (!locale) return nothing;
    const t = (key: string, options?: Record<string, string>) => this.#locale.t(`preferences:${key}`, options);
    const v = this.#view;
    const body =
      v.state === 'choices' ? this.#renderChoices(v, t) : v.state === 'loading' ? html`<p part="status" role="status">${t('loading')}</p>` : this.#renderAsk(t);
    return html`<div lang=${locale} aria-busy=${v.state === 'loading' || ('saving' in v && Boolean(v.saving))}>${body}</div>`;
  }

  #renderAsk(t: (key: string, options?: Record<string, string>) => string): TemplateResult {
    const v = this.#view as Extract<View, { state: 'ask' } | { state: 'misconfigured' }>;
    const error = this.#emailError;
    const alert = v.state === 'misconfigured' ? t('misconfigured') : v.state === 'ask' && v.error ? t('failed', { reason: v.error }) : '';
    return html`<form part="form" novalidate @submit=${this.#onAsk}>
      <p class="legend" part="legend" id="ask-title"><strong>${t('askTitle')}</strong></p>
      ${v.state === 'ask' && v.expired ? html`<p class="review" role="note">${t('expired')}</p>` : nothing}
      <p class="hint">${t('askHint')}</p>
      <div class="field">
        <label for="email">${t('email')}</label>
        <input id="email" part="email" name="email" type="email" autocomplete="email" inputmode="email" maxlength="254"
          aria-invalid=${error ? 'true' : 'false'} aria-describedby=${error ? 'email-error' : nothing} />
        ${error ? html`<p id="email-error" class="error" part="error">${this.#locale.t(error)}</p>` : nothing}
      </div>
      <div class="actions">
        <button type="submit" part="submit" ?disabled=${v.state === 'ask' && v.asking}>${v.state === 'ask' && v.asking ? t('asking') : t('ask')}</button>
      </div>
      <p part="status" class="status sent" role="status">${v.state === 'ask' && v.asked ? t('asked') : ''}</p>
      <p part="status" class="status rejected" role="alert">${alert}</p>
    </form>`;
  }

  #renderChoices(v: Extract<View, { state: 'choices' }>, t: (key: string, options?: Record<string, string>) => string): TemplateResult {
    const locale = this.#locale.locale!;
    return html`<form part="form" novalidate @submit=${this.#onSave}>
      <fieldset>
        <legend part="legend">${t('legend')}</legend>
        <p class="hint">${t('for', { email: v.email })}</p>
        <div class="toggles">
          ${purposeIds(this.purposes).map(
            (id) => html`<consent-toggle part="toggle" purpose=${id} lang=${locale} .checked=${v.granted[id] ?? false}></consent-toggle>`,
          )}
        </div>
      </fieldset>
      <div class="actions">
        <button type="submit" part="submit" ?disabled=${Boolean(v.saving)}>${v.saving ? t('saving') : t('save')}</button>
      </div>
      <p part="status" class="status sent" role="status">${v.saved ? t('saved', { id: v.saved }) : ''}</p>
      <p part="status" class="status rejected" role="alert">${v.error ? t('failed', { reason: v.error }) : ''}</p>
    </form>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'consent-preferences': ConsentPreferences;
  }
}
