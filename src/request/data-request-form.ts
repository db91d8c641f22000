import { html, LitElement, nothing, type TemplateResult, type PropertyDeclarations } from 'lit';
import type { Locale } from '../i18n.js';
import { noticeRef } from '../notice/notice-ref.js';
import { createDataRequest } from '@optimesys/privacy-records/create';
import type { DataRequest } from '@optimesys/privacy-records/schemas';
import { clampLevel, heading } from '../ui/heading.js';
import { LocaleController } from '../ui/locale-controller.js';
import { loadSender, sourceUrl } from '../ui/lazy.js';
import type { Sent } from '../ui/send-record.js';
import { formStyles } from '../ui/form-styles.js';
import { tokens } from '../ui/tokens.js';
import { renderDetails, renderField, renderPromises, renderReceipt, renderStatus, renderTypes, type Status } from './data-request-form.render.js';
import { styles } from './data-request-form.styles.js';
import { downloadReceipt } from './receipt-file.js';
import { FIELD_ORDER, isRequestType, problemsAfterInput, type FieldProblem, type RequestField, type RequestInput } from './request-fields.js';

// The schema checks (zod) and the sender load once the visitor starts on the form.
let checks: Promise<typeof import('./request-input.js')> | undefined;
const loadChecks = () => (checks ??= import('./request-input.js'));
let checkRequest: (typeof import('./request-input.js'))['checkRequest'] | undefined;

const EMPTY: RequestInput = { requestType: '', name: '', email: '', organisation: '', phone: '', details: '' };

/**
 * The data-subject request form of the notice ("TIETOPYYNTÖ"): one right per request.
 *
 * @tagname data-request-form
 * @summary A GDPR data request (access, rectification, erasure, restriction, objection, portability, withdrawal of consent) sent as a signed record.
 *
 * @fires {RecordSentEvent} record-sent - The backend stored the request. `detail: { record, jws, receipt }`.
 * @fires {RecordQueuedEvent} record-queued - The request could not be sent now; it is kept in this browser and retried. `detail: { record, jws, reason }`.
 * @fires {RecordFailedEvent} record-failed - The backend refused the request. `detail: { record, jws, error }`.
 *
 * @csspart form - The form.
 * @csspart title - The heading.
 * @csspart types - The request type choices.
 * @csspart field - Each field wrapper.
 * @csspart error - Each field's error message.
 * @csspart promises - The "good to know" box.
 * @csspart submit - The send button.
 * @csspart status - Queued and rejection messages.
 * @csspart receipt - The confirmation with the reference and the receipt download.
 * @csspart receipt-title - The confirmation's heading (focused when it appears).
 *
 * @cssprop --pw-font-family - Font family.
 * @cssprop --pw-color-text - Text colour.
 * @cssprop --pw-color-muted - Help texts.
 * @cssprop --pw-color-background - Background of fields.
 * @cssprop --pw-color-surface - Background of the "good to know" box.
 * @cssprop --pw-color-border - Borders of the request types.
 * @cssprop --pw-color-accent - Buttons and the selected type.
 * @cssprop --pw-color-on-accent - Text on buttons.
 * @cssprop --pw-color-danger - Error messages.
 * @cssprop --pw-color-success - Border of the confirmation.
 * @cssprop --pw-radius - Corner radius.
 * @cssprop --pw-focus-ring - Focus outline.
 * @cssprop --data-request-form-max-width - Maximum width (default 40rem).
 * @cssprop --data-request-form-scroll-margin - Room kept above the form when a link scrolls to it (e.g. a sticky header).
 */
export class DataRequestForm extends LitElement {
  static override styles = [tokens, formStyles, styles];
  static override properties: PropertyDeclarations = {
    requestType: { attribute: 'request-type' },
    email: {},
    endpoint: {},
    headingLevel: { attribute: 'heading-level', type: Number },
    minFillMs: { attribute: 'min-fill-ms', type: Number },
  };

  /** Preselects a request type (`access`, `objection`, …); the URL parameter `request-type` does too. */
  declare requestType: string | undefined;
  /** Prefills the e-mail address; the URL parameter `email` does too. */
  declare email: string | undefined;
  /** Shortcut for the HTTP adapter: the URL requests are POSTed to. */
  declare endpoint: string | undefined;
  /** Level of the form's heading in the host page's outline. */
  declare headingLevel: number;
  /**
   * Submissions faster than this (ms after the form appeared) are asked to
   * be confirmed once more; a person is never blocked, a simple bot is.
   */
  declare minFillMs: number;

  constructor() {
    super();
    this.headingLevel = 2;
    this.minFillMs = 2500;
  }

  readonly #locale = new LocaleController(this, () => ['request']);
  #input: RequestInput = { ...EMPTY };
  #problems: Partial<Record<RequestField, FieldProblem>> = {};
  #status: Status = { state: 'editing' };
  #shownAt = 0;
  #confirmFast = false;

  static override get observedAttributes(): string[] {
    return [...super.observedAttributes, 'lang'];
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#shownAt = performance.now();
    // Deep links: an e-mail's "withdraw consent" link opens the form ready to send.
    const params = new URLSearchParams(location.search);
    const type = this.requestType || params.get('request-type') || '';
    this.#input = {
      ...this.#input,
      requestType: this.#input.requestType || (isRequestType(type) ? type : ''),
      email: this.#input.email || this.email || params.get('email') || '',
    };
  }

  override attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    super.attributeChangedCallback(name, old, value);
    if (name === 'lang') this.#locale.refresh();
  }

  /** A server-rendered shadow root is hydrated once its strings are here, never rendered over before. */
  protected override shouldUpdate(): boolean {
    return this.#locale.ready;
  }

  protected override updated(): void {
    // `?checked` is the server's and first render's state (lit SSR writes `.checked=${false}` as a ticked `checked="false"`).
    for (const radio of this.renderRoot.querySelectorAll<HTMLInputElement>('input[name="requestType"]')) {
      radio.checked = radio.value === this.#input.requestType;
    }
  }

  protected override firstUpdated(): void {
    const load = () => {
      void loadChecks().then((module) => (checkRequest = module.checkRequest));
      void loadSender();
    };
    this.addEventListener('focusin', load, { once: true });
    this.addEventListener('pointerdown', load, { once: true });
  }

  // --- data ---

  async #send(fields: Pick<DataRequest, 'subject' | 'requestType' | 'details'>, locale: Locale): Promise<void> {
    const { outboxFor, sendRecord, announce } = await loadSender();
    const outbox = outboxFor(this.endpoint);
    const notice = await noticeRef(locale);
    if (!outbox) {
      console.error('[data-request-form] no backend: set `endpoint` or call configure({ endpoint | adapter })');
      this.#setStatus({ state: 'rejected', reason: this.#locale.t('request:misconfigured') });
      return;
    }
    this.#setStatus({ state: 'sending' });
    try {
      const unsigned = createDataRequest({
        ...fields,
        locale,
        notice,
        source: { url: sourceUrl(), element: 'data-request-form' },
      } as Parameters<typeof createDataRequest>[0]);
      const sent = await sendRecord(outbox, unsigned);
      if (sent.status === 'sent') this.#setStatus({ state: 'sent', sent });
      else if (sent.status === 'queued') this.#setStatus({ state: 'queued', id: sent.record.id });
      else this.#setStatus({ state: 'rejected', reason: sent.error.message || sent.error.code });
      await this.updateComplete;
      if (sent.status === 'sent') this.renderRoot.querySelector<HTMLElement>('.receipt-title')?.focus();
      announce(this, sent);
    } catch (error) {
      console.error('[data-request-form] the request could not be made', error);
      this.#setStatus({ state: 'rejected', reason: String((error as Error).message ?? error) });
    }
  }

  #setStatus(status: Status): void {
    this.#status = status;
    this.requestUpdate();
  }

  // --- handlers ---

  #onInput(event: Event): void {
    const target = event.target as HTMLInputElement | HTMLTextAreaElement;
    const field = target.name as RequestField;
    this.#input = { ...this.#input, [field]: target.value };
    this.#problems = problemsAfterInput(this.#problems, this.#input, field, checkRequest);
    if (this.#status.state === 'rejected') this.#status = { state: 'editing' };
    this.requestUpdate();
  }

  async #onSubmit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const locale = this.#locale.locale;
    if (!locale || this.#status.state === 'sending') return;
    const form = event.currentTarget as HTMLFormElement;
    const { checkRequest } = await loadChecks();
    // A field no person sees or hears: a bot that fills it gets nothing, silently.
    if ((form.elements.namedItem('pw-company-url') as HTMLInputElement | null)?.value) {
      this.#setStatus({ state: 'editing' });
      return;
    }
    const { problems, fields } = checkRequest(this.#input);
    this.#problems = problems;
    const first = FIELD_ORDER.find((field) => problems[field]);
    if (first || !fields) {
      this.requestUpdate();
      void this.updateComplete.then(() =>
        this.renderRoot.querySelector<HTMLElement>(first === 'requestType' ? 'input[name="requestType"]' : `[name="${first!}"]`)?.focus(),
      );
      return;
    }
    // Sent within a blink of the form appearing: ask once more instead of refusing.
    if (performance.now() - this.#shownAt < this.minFillMs && !this.#confirmFast) {
      this.#confirmFast = true;
      this.requestUpdate();
      return;
    }
    await this.#send(fields, locale);
  }

  #onAnother(): void {
    this.#input = { ...EMPTY, email: this.#input.email };
    this.#problems = {};
    this.#confirmFast = false;
    this.#shownAt = performance.now();
    this.#setStatus({ state: 'editing' });
  }

  // --- render ---

  protected override render(): TemplateResult | typeof nothing {
    const locale = this.#locale.locale;
    if (!locale) return nothing;
    const t = (key: string, options?: Record<string, unknown>) => this.#locale.t(`request:${key}`, options);
    const level = clampLevel(this.headingLevel);
    const title = heading(level, t('title'), { className: 'title', part: 'title' });
    if (this.#status.state === 'sent') {
      const sent = this.#status.sent;
      const on = { download: () => downloadReceipt(sent), another: () => this.#onAnother() };
      return html`<div lang=${locale}>${title}${renderReceipt(sent, t, level, on)}</div>`;
    }
    const view = { input: this.#input, problems: this.#problems };
    const sending = this.#status.state === 'sending';
    return html`<form part="form" lang=${locale} novalidate aria-busy=${sending} @submit=${this.#onSubmit} @input=${this.#onInput}>
      ${title}
      <p class="intro">${t('intro')}</p>
      ${renderTypes(view, t)}
      ${renderField(view, 'name', 'text', 'name', t)}
      ${renderField(view, 'email', 'email', 'email', t)}
      ${renderField(view, 'organisation', 'text', 'organization', t)}
      ${renderField(view, 'phone', 'tel', 'tel', t)}
      ${renderDetails(view, t)}
      <div class="honeypot" aria-hidden="true">
        <label>${t('fields.honeypot')} <input name="pw-company-url" type="text" tabindex="-1" autocomplete="off" /></label>
      </div>
      ${renderPromises(view, t)}
      ${this.#confirmFast ? html`<p class="confirm" role="alert">${t('errors.tooFast')}</p>` : nothing}
      <button type="submit" part="submit" ?disabled=${sending}>${sending ? t('sending') : t('submit')}</button>
      ${renderStatus(this.#status, t)}
    </form>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'data-request-form': DataRequestForm;
  }
}
