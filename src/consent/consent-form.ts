import { html, isServer, LitElement, nothing, type PropertyValues, type TemplateResult, type PropertyDeclarations } from 'lit';
import { getConfig, onConfigure } from '../config.js';
import type { Locale } from '../i18n.js';
import { noticeRef } from '../notice/notice-ref.js';
import { normalizeEmail } from '../records/create.js';
import type { ConsentRecord, NoticeRef } from '../records/schemas.js';
import { LocaleController } from '../ui/locale-controller.js';
import { loadSender } from '../ui/lazy.js';
import { objectionHref, safeHref } from '../ui/safe-href.js';
import { formStyles } from '../ui/form-styles.js';
import { tokens } from '../ui/tokens.js';
import { loadChoices, saveChoices, type StoredChoices } from './choices.js';
import { styles } from './consent-form.styles.js';
import { ConsentToggle } from './consent-toggle.js';
import { consentRecordOf, processingPurposes, purposeIds } from './consent-record.js';
import { HostFormController } from './host-form-controller.js';

type Status =
  | { state: 'idle' }
  | { state: 'sending' }
  | { state: 'sent'; id: string }
  | { state: 'confirm'; id: string; firstHere: boolean }
  | { state: 'queued' }
  | { state: 'rejected'; reason: string }
  | { state: 'misconfigured' };

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
  #noticeRef: NoticeRef | undefined;
  #emailError = '';
  /** Set once the visitor changes a toggle: stored choices loading late must not undo it. */
  #touched = false;
  #pendingId = crypto.randomUUID();
  /** A first record from this browser: the address may have choices from another device, reachable by a mailed link. */
  #offer: { url: string; email: string; asked: boolean } | undefined;
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
      this.#stored = stored;
      this.requestUpdate();
      void this.updateComplete.then(() => this.#showStored());
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
    // Signing, the outbox and the schemas are needed only on submit: fetch them
    // once the visitor turns to the form, not with the page.
    this.addEventListener('focusin', () => void loadSender(), { once: true });
    this.addEventListener('pointerdown', () => void loadSender(), { once: true });
  }

  // --- data ---

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
    const data = new FormData();
    for (const toggle of this.#toggles()) data.append(`${this.name}-${toggle.purpose}`, toggle.checked ? 'granted' : 'denied');
    data.append(`${this.name}-record-id`, this.#pendingId);
    this.#internals.setFormValue(data);
  }

  #buildRecord(email: string, locale: Locale, notice: NoticeRef, grant?: boolean): ConsentRecord {
    const choices = this.#toggles().map((toggle) => ({ purpose: toggle.purpose, granted: grant ?? toggle.checked }));
    const { context, processing } = this;
    return consentRecordOf({ email, locale, notice, choices, element: 'consent-form', context, processing, id: this.#pendingId });
  }

  /** Signs and sends the current choices (or all withdrawn). */
  async #submit(email: string, grant?: boolean): Promise<void> {
    const locale = this.#locale.locale;
    if (!locale) return;
    const { sign } = await loadSender();
    const notice = await this.#resolveNotice(locale);
    this.#setStatus({ state: 'sending' });
    try {
      const { jws, record } = await sign(this.#buildRecord(email, locale, notice, grant));
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
    const { outboxFor, sendSigned, announce, preferencesLinkUrl } = await loadSender();
    const outbox = outboxFor(this.endpoint);
    if (!outbox) {
      this.#setStatus({ state: 'misconfigured' });
      console.error('[consent-form] no backend: set `endpoint` or call configure({ endpoint | adapter })');
      return;
    }
    this.#setStatus({ state: 'sending' });
    const result = await sendSigned(outbox, jws, record);
    if (result.status === 'rejected') {
      this.#setStatus({ state: 'rejected', reason: result.error.message || result.error.code });
    } else {
      // Sent or kept for a retry: either way this is now the visitor's choice.
      const firstHere = !this.#stored;
      this.#stored = await saveChoices(record);
      // Double opt-in: the receiver mailed a link, and the grant counts once it is used. For an
      // address that has choices already, that mail leads with a link to all of them (only the
      // owner reads it); the page says the same for any address.
      const pending = result.status === 'sent' && (result.receipt as { confirmation?: string }).confirmation === 'pending';
      // No mail on its way (a withdrawal, a receiver without mail, a record kept for later): the
      // offer to mail that link, again the same for any address.
      const url = firstHere && !pending && !this.#host.form && preferencesLinkUrl(this.endpoint ?? getConfig().endpoint);
      if (url) {
        this.#offer = { url, email: record.subject.email, asked: false };
        this.#locale.refresh(true); // its strings load now, not with the form
      }
      if (grant === false) {
        this.#touched = false;
        this.#showStored();
      }
      this.#setStatus(result.status === 'sent' ? (pending ? { state: 'confirm', id: record.id, firstHere } : { state: 'sent', id: record.id }) : { state: 'queued' });
    }
    await this.updateComplete;
    announce(this, result);
  }

  async #onAskLink(): Promise<void> {
    const offer = this.#offer;
    if (!offer || offer.asked) return;
    await (await loadSender()).requestPreferencesLink(offer.url, offer.email, this.#locale.locale);
    this.#offer = { ...offer, asked: true };
    this.requestUpdate();
  }

  #setStatus(status: Status): void {
    this.#status = status;
    this.requestUpdate();
  }

  /** Validates the e-mail; on failure shows the message and moves focus to the field. */
  async #checkEmail(input: HTMLInputElement): Promise<string | undefined> {
    const value = normalizeEmail(input.value);
    const parsed = (await loadSender()).Email.safeParse(value);
    this.#emailError = parsed.success ? '' : value ? 'consent:form.errors.emailInvalid' : 'consent:form.errors.emailMissing';
    this.requestUpdate();
    if (parsed.success) return value;
    void this.updateComplete.then(() => input.focus());
    return undefined;
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
        <p class="hint">${t('form.hint')}</p>
        ${this.#renderMemory(t)}
        <div class="toggles" @change=${this.#onToggleChange} @keydown=${this.#onToggleKeydown}>
          ${purposeIds(this.purposes).map(
            (id) =>
              html`<consent-toggle
                part="toggle"
                exportparts="track: toggle-track, thumb: toggle-thumb, label: toggle-label, info-button: toggle-info-button, popover: toggle-popover"
                purpose=${id}
                lang=${locale}
              ></consent-toggle>`,
          )}
        </div>
      </fieldset>
      ${this.#renderProcessing(locale, t)}
      ${embedded ? nothing : this.#renderEmail(t)}
      <div class="actions">
        ${embedded
          ? nothing
          : html`<button type="submit" part="submit" ?disabled=${this.#status.state === 'sending'}>
              ${this.#status.state === 'sending' ? t('form.saving') : t('form.save')}
            </button>`}
        ${this.#hasGranted()
          ? html`<button type="button" part="withdraw-all" class="secondary" @click=${this.#onWithdrawAll}>
              ${t('form.withdrawAll')}
            </button>`
          : nothing}
      </div>
      ${this.#renderStatus(t)}
      ${this.#offer && !embedded && !this.#locale.busy
        ? html`<p class="hint" part="prefs-offer" role=${this.#offer.asked ? 'status' : nothing}>
            ${this.#locale.t(this.#offer.asked ? 'preferences:asked' : 'preferences:offer')}
          </p>
          ${this.#offer.asked ? nothing : html`<button type="button" part="prefs-link" class="secondary" @click=${this.#onAskLink}>${this.#locale.t('preferences:offerButton')}</button>`}`
        : nothing}
      <p class="notice-link">
        <a part="notice-link" href=${safeHref(this.noticeHref ?? getConfig().noticeHref, '#privacy-notice')}>${t('form.notice')}</a>
      </p>
    `;
    return html`<div lang=${locale} aria-busy=${this.#status.state === 'sending'}>
      ${embedded ? content : html`<form part="form" novalidate @submit=${this.#onSubmit}>${content}</form>`}
    </div>`;
  }

  #hasGranted(): boolean {
    return Object.values(this.#stored?.decisions ?? {}).some((d) => d.granted);
  }

  #renderMemory(t: (key: string, options?: Record<string, string>) => string): TemplateResult | typeof nothing {
    const stored = this.#stored;
    if (!stored) return nothing;
    if (this.#noticeRef && stored.notice.digest !== this.#noticeRef.digest) {
      return html`<p class="review" role="note">${t('form.review')}</p>`;
    }
    const latest = Object.values(stored.decisions).map((d) => d.issuedAt).sort().at(-1);
    if (!latest) return nothing;
    const date = new Date(latest);
    return html`<p class="returning">
      ${t('form.returning', { date: `${date.getDate()}.${date.getMonth() + 1}.${date.getFullYear()}` })}
    </p>`;
  }

  #renderProcessing(locale: Locale, t: (key: string, options?: Record<string, string>) => string): TemplateResult | typeof nothing {
    const list = processingPurposes(this.processing, locale);
    if (!list.length) return nothing;
    const objection = objectionHref(safeHref(this.requestHref ?? getConfig().requestHref, '#data-request'));
    return html`<section part="processing" class="info-box processing" aria-labelledby="processing-title">
      <p id="processing-title" class="info-box-title">${t('form.processingTitle')}</p>
      <ul>
        ${list.map(
          (p) => html`<li>
            <span class="processing-label">${p.text.label}</span>
            <span class="processing-basis">${t('form.processingBasis', { basis: t(`basis.${p.basis}`) })}</span>
            <span class="processing-detail">${p.text.sent} ${p.text.retention}</span>
            <a href=${objection}>${t('form.object')}</a>
          </li>`,
        )}
      </ul>
    </section>`;
  }

  #renderEmail(t: (key: string) => string): TemplateResult {
    const error = this.#emailError;
    return html`<div class="field">
      <label for="email">${t('form.email')}</label>
      <input
        id="email"
        part="email"
        name="email"
        type="email"
        autocomplete="email"
        inputmode="email"
        maxlength="254"
        aria-invalid=${error ? 'true' : 'false'}
        aria-describedby=${error ? 'email-error' : nothing}
        @input=${() => this.#emailError && ((this.#emailError = ''), this.requestUpdate())}
      />
      ${error ? html`<p id="email-error" class="error" part="error">${this.#locale.t(error)}</p>` : nothing}
    </div>`;
  }

  #renderStatus(t: (key: string, options?: Record<string, string>) => string): TemplateResult {
    const s = this.#status;
    const message =
      s.state === 'sent'
        ? t('form.sent', { id: s.id })
        : s.state === 'confirm'
          ? t(s.firstHere ? 'form.confirmFirst' : 'form.confirm', { id: s.id })
        : s.state === 'queued'
          ? t('form.queued')
          : s.state === 'rejected'
            ? t('form.rejected', { reason: s.reason })
            : s.state === 'misconfigured'
              ? t('form.misconfigured')
              : '';
    const alert = s.state === 'rejected' || s.state === 'misconfigured';
    // Both live regions always exist, so screen readers announce what appears in them.
    return html`<p part="status" class="status ${s.state}" role="status">${alert ? '' : message}</p>
      <p part="status" class="status ${s.state}" role="alert">${alert ? message : ''}</p>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'consent-form': ConsentForm;
  }
}
