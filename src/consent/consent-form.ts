import { html, isServer, LitElement, nothing, type PropertyValues, type TemplateResult, type PropertyDeclarations } from 'lit';
import { getConfig, onConfigure } from '../config.js';
import type { Locale } from '../i18n.js';
import { noticeRef } from '../notice/notice-ref.js';
import type { ConsentRecord, NoticeRef } from '@optimesys/privacy-records/schemas';
import { LocaleController } from '../ui/locale-controller.js';
import { loadSender } from '../ui/lazy.js';
import { objectionHref, safeHref } from '../ui/safe-href.js';
import { formStyles } from '../ui/form-styles.js';
import { tokens } from '../ui/tokens.js';
import { loadChoices, type StoredChoices } from './choices.js';
import { styles } from './consent-form.styles.js';
import { ConsentToggle } from './consent-toggle.js';
import { consentRecordOf } from './consent-record.js';
import { checkEmailValue, deliverConsent, formValueOf } from './consent-form.send.js';
import { hasGranted, renderActions, renderEmail, renderMemory, renderOffer, renderProcessing, renderStatus, renderToggles, type Offer, type Status } from './consent-form.render.js';
import { HostFormController } from './host-form-controller.js';

/**
 * Granular consent for a landing page, or for a signup form it sits in.
 *
 * @tagname consent-form
 * @summary Consent toggles per purpose, the non-consent processing as information, and a signed record of the choice.
 *
 * @fires {ConsentChangeEvent} consent-change - A visitor turned a consent on or off (from the toggles). `detail: { purpose, granted }`.
 * @fires {RecordSentEvent} record-sent - The backend stored the record. `detail: { record, jws, receipt }`.
 * @fires {RecordQueuedEvent} record-queued - The record could not be sent now; it is kept in this browser and retried. `detail: { record, jws, reason }`.
 * @fires {RecordFailedEvent} record-failed - The backend refused the record. `detail: { record, jws, error }`.
 *
 * @csspart form - The standalone form.
 * @csspart legend - The question above the toggles.
 * @csspart toggle - Each `<consent-toggle>`.
 * @csspart toggle-track - A toggle's switch track (its `track` part, exported).
 * @csspart toggle-thumb - A toggle's switch thumb.
 * @csspart toggle-label - A toggle's label text.
 * @csspart toggle-info-button - A toggle's info button.
 * @csspart toggle-popover - A toggle's info popover.
 * @csspart processing - The list of processing on other bases.
 * @csspart email - The e-mail field (standalone).
 * @csspart error - The e-mail error message.
 * @csspart submit - The save button.
 * @csspart withdraw-all - The "withdraw all" button.
 * @csspart status - Confirmation, queued and rejection messages.
 * @csspart prefs-offer - After a first record from this browser that got no confirmation mail: the offer of a mailed link to all of the address's choices (a confirmation mail carries that link itself when the address has choices).
 * @csspart prefs-link - Its button.
 * @csspart notice-link - The link to the privacy notice.
 *
 * @cssprop --pw-font-family - Font family.
 * @cssprop --pw-color-text - Text colour.
 * @cssprop --pw-color-muted - Hints and secondary text.
 * @cssprop --pw-color-background - Background of fields.
 * @cssprop --pw-color-surface - Background of the processing box and the review note.
 * @cssprop --pw-color-accent - Buttons and switches.
 * @cssprop --pw-color-on-accent - Text on buttons.
 * @cssprop --pw-color-danger - Error messages.
 * @cssprop --pw-color-success - The confirmation.
 * @cssprop --pw-radius - Corner radius.
 * @cssprop --pw-focus-ring - Focus outline.
 * @cssprop --consent-form-max-width - Maximum width (default 36rem).
 */
export class ConsentForm extends LitElement {
  static override styles = [tokens, formStyles, styles];
  static override properties: PropertyDeclarations = {
    purposes: {},
    processing: {},
    context: {},
    endpoint: {},
    emailField: { attribute: 'email-field' },
    name: {},
    noticeHref: { attribute: 'notice-href' },
    requestHref: { attribute: 'request-href' },
  };
  static formAssociated = true;

  /** Purposes offered as toggles, in order. */
  declare purposes: string;
  /** Purposes processed on another basis (e.g. `event-participation`): shown as information, never as toggles. */
  declare processing: string;
  /** A free label for the record, e.g. the webinar id. */
  declare context: string | undefined;
  /** Shortcut for the HTTP adapter: the URL records are POSTed to. */
  declare endpoint: string | undefined;
  /** Inside a host form: the name of the host's e-mail field. */
  declare emailField: string;
  /** Prefix of the field names this element adds to a host form (`consent-newsletter`, `consent-record-id`). */
  declare name: string;
  /** Link to the privacy notice. */
  declare noticeHref: string | undefined;
  /** Link to the data-request form, for objections. */
  declare requestHref: string | undefined;

  constructor() {
    super();
    this.purposes = 'newsletter blog events';
    this.processing = '';
    this.emailField = 'email';
    this.name = 'consent';
  }

  readonly #internals = this.attachInternals();
  readonly #locale = new LocaleController(this, () => (this.#offer ? ['consent', 'preferences'] : ['consent']));
  #status: Status = { state: 'idle' };
  #stored: StoredChoices | undefined;
  /** Choices that arrived before the first render, applied right after it. */
  #storedLater: StoredChoices | undefined;
  #noticeRef: NoticeRef | undefined;
  #emailError = '';
  /** Set once the visitor changes a toggle: stored choices loading late must not undo it. */
  #touched = false;
  #pendingId = crypto.randomUUID();
  /** A first record from this browser: the address may have choices from another device, reachable by a mailed link. */
  #offer: Offer | undefined;
  readonly #host = new HostFormController(this, {
    emailField: () => this.emailField,
    t: (key) => this.#locale.t(key),
    submit: (email) => this.#submit(email),
    next: () => this.#nextRecord(),
  });
  #unsubscribe: (() => void) | undefined;

  static override get observedAttributes(): string[] {
    return [...super.observedAttributes, 'lang'];
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#unsubscribe = onConfigure(() => this.requestUpdate());
    void loadChoices().then((stored) => {
      // Never in the first render: it hydrates server HTML, which knows no browser's choices.
      if (!this.hasUpdated) return void (this.#storedLater = stored);
      this.#applyStored(stored);
    });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#unsubscribe?.();
  }

  override attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    super.attributeChangedCallback(name, old, value);
    if (name === 'lang') this.#locale.refresh();
  }

  /** Called by the browser when the element joins or leaves a host form. */
  formAssociatedCallback(form: HTMLFormElement | null): void {
    this.#host.attach(form);
  }

  formResetCallback(): void {
    this.#toggles().forEach((toggle) => (toggle.checked = false));
    this.#syncFormValue();
  }

  /** A server-rendered shadow root is hydrated once its strings are here, never rendered over before. */
  protected override shouldUpdate(): boolean {
    return this.#locale.ready;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    const locale = this.#locale.locale;
    if (locale && !isServer) void this.#resolveNotice(locale);
    if (!isServer && (changed.has('purposes') || changed.has('name'))) this.#syncFormValue();
  }

  protected override firstUpdated(): void {
    if (this.#storedLater) this.#applyStored(this.#storedLater);
    // Signing, the outbox and the schemas are needed only on submit: fetch them
    // once the visitor turns to the form, not with the page.
    this.addEventListener('focusin', () => void loadSender(), { once: true });
    this.addEventListener('pointerdown', () => void loadSender(), { once: true });
  }

  // --- data ---

  #applyStored(stored: StoredChoices | undefined): void {
    this.#storedLater = undefined;
    this.#stored = stored;
    this.requestUpdate();
    void this.updateComplete.then(() => this.#showStored());
  }

  #toggles(): ConsentToggle[] {
    return [...this.renderRoot.querySelectorAll<ConsentToggle>('consent-toggle')];
  }

  /** Version and digest of the notice in the language shown. */
  async #resolveNotice(locale: Locale): Promise<NoticeRef> {
    const ref = await noticeRef(locale);
    if (ref.digest !== this.#noticeRef?.digest) {
      this.#noticeRef = ref;
      this.requestUpdate();
    }
    return ref;
  }

  /** Shows this browser's earlier choices; set from code, so no events. */
  #showStored(): void {
    if (this.#touched) return;
    const decisions = this.#stored?.decisions ?? {};
    for (const toggle of this.#toggles()) toggle.checked = decisions[toggle.purpose]?.granted ?? false;
    const email = this.renderRoot.querySelector<HTMLInputElement>('#email');
    if (email && !email.value && this.#stored) email.value = this.#stored.email;
    this.#syncFormValue();
  }

  /** What a host form submits: each choice and the id of the record sent with it. */
  #syncFormValue(): void {
    this.#internals.setFormValue(formValueOf(this.name, this.#toggles(), this.#pendingId));
  }

  /** Signs and sends the current choices (or all withdrawn). */
  async #submit(email: string, grant?: boolean): Promise<void> {
    const locale = this.#locale.locale;
    if (!locale) return;
    const { sign } = await loadSender();
    const notice = await this.#resolveNotice(locale);
    this.#setStatus({ state: 'sending' });
    try {
      const choices = this.#toggles().map((toggle) => ({ purpose: toggle.purpose, granted: grant ?? toggle.checked }));
      const { context, processing } = this;
      const unsigned = consentRecordOf({ email, locale, notice, choices, element: 'consent-form', context, processing, id: this.#pendingId });
      const { jws, record } = await sign(unsigned);
      await this.#deliver(jws, record as ConsentRecord, grant);
    } catch (error) {
      console.error('[consent-form] the record could not be made', error);
      this.#setStatus({ state: 'rejected', reason: String((error as Error).message ?? error) });
    }
  }

  /** A new id for whatever the visitor does next: the current one is taken. */
  #nextRecord(): void {
    this.#pendingId = crypto.randomUUID();
    this.#syncFormValue();
  }

  /** Hands a signed record to the outbox; shows and announces how it went. */
  async #deliver(jws: string, record: ConsentRecord, grant?: boolean): Promise<void> {
    const firstHere = !this.#stored;
    const done = await deliverConsent({ endpoint: this.endpoint, jws, record, firstHere, standalone: !this.#host.form });
    if (done.offerUrl) {
      this.#offer = { url: done.offerUrl, email: record.subject.email, asked: false };
      this.#locale.refresh(true); // its strings load now, not with the form
    }
    if (done.stored) this.#stored = done.stored;
    if (done.stored && grant === false) {
      this.#touched = false;
      this.#showStored();
    }
    this.#setStatus(done.status);
    if (!done.sent) return;
    await this.updateComplete;
    (await loadSender()).announce(this, done.sent);
  }

  #setStatus(status: Status): void {
    this.#status = status;
    this.requestUpdate();
  }

  /** Validates the e-mail; on failure shows the message and moves focus to the field. */
  async #checkEmail(input: HTMLInputElement): Promise<string | undefined> {
    const { email, error } = await checkEmailValue(input.value);
    this.#emailError = error;
    this.requestUpdate();
    if (!email) void this.updateComplete.then(() => input.focus());
    return email;
  }

  // --- handlers ---

  async #onSubmit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    if (this.#status.state === 'sending') return;
    const input = this.renderRoot.querySelector<HTMLInputElement>('#email')!;
    const email = await this.#checkEmail(input);
    if (email) await this.#submit(email).finally(() => this.#nextRecord());
  }

  async #onWithdrawAll(): Promise<void> {
    const input = this.renderRoot.querySelector<HTMLInputElement>('#email');
    const email = input ? await this.#checkEmail(input) : this.#stored?.email;
    if (email) await this.#submit(email, false).finally(() => this.#nextRecord());
  }

  async #onAskLink(): Promise<void> {
    const offer = this.#offer;
    if (!offer || offer.asked) return;
    await (await loadSender()).requestPreferencesLink(offer.url, offer.email, this.#locale.locale);
    this.#offer = { ...offer, asked: true };
    this.requestUpdate();
  }

  #onEmailInput(): void {
    if (!this.#emailError) return;
    this.#emailError = '';
    this.requestUpdate();
  }

  #onToggleChange(): void {
    this.#touched = true;
    this.#syncFormValue();
    if (this.#status.state !== 'sending') this.#setStatus({ state: 'idle' });
  }

  #onToggleKeydown(event: KeyboardEvent): void {
    // Inside a host form, Enter on a toggle submits that form, as on a native checkbox.
    const form = this.#host.form;
    if (event.key === 'Enter' && form && (event.target as Element).localName === 'consent-toggle') {
      event.preventDefault();
      form.requestSubmit();
    }
  }

  // --- render ---

  protected override render(): TemplateResult | typeof nothing {
    const locale = this.#locale.locale;
    if (!locale) return nothing;
    const t = (key: string, options?: Record<string, string>) => this.#locale.t(`consent:${key}`, options);
    const embedded = this.#host.form !== null;
    const content = html`
      <fieldset>
        <legend part="legend">${t('form.legend')}</legend>
        ${renderMemory(this.#stored, this.#noticeRef, t)}
        <div class="toggles" @change=${this.#onToggleChange} @keydown=${this.#onToggleKeydown}>${renderToggles(this.purposes, locale)}</div>
      </fieldset>
      ${renderProcessing(this.processing, locale, objectionHref(safeHref(this.requestHref ?? getConfig().requestHref, '#data-request')), t)}
      ${embedded ? nothing : renderEmail(this.#emailError, t, this.#onEmailInput)}
      ${renderActions(!embedded, this.#status.state === 'sending', hasGranted(this.#stored), t, this.#onWithdrawAll)}
      ${renderStatus(this.#status, t)}
      ${this.#offer && !embedded && !this.#locale.busy ? renderOffer(this.#offer, (key) => this.#locale.t(key), this.#onAskLink) : nothing}
      <p class="notice-link">
        <a part="notice-link" href=${safeHref(this.noticeHref ?? getConfig().noticeHref, '#privacy-notice')}>${t('form.notice')}</a>
      </p>
    `;
    return html`<div lang=${locale} aria-busy=${this.#status.state === 'sending'}>
      ${embedded ? content : html`<form part="form" novalidate @submit=${this.#onSubmit}>${content}</form>`}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'consent-form': ConsentForm;
  }
}
