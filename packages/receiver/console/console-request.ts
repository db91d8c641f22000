import { css, html, LitElement, nothing, type PropertyDeclarations, type PropertyValues, type TemplateResult } from 'lit';
import type { ConsoleApi, RequestDetail } from './api.js';
import { dueText, errorText, formatTime, identityText, languageName, requestTypeLabel } from './format.js';
import { translator, type Locale, type Translate } from './i18n.js';
import { renderTrail, trailStyles } from './request-trail.js';
import { tokens, viewStyles } from './styles.js';

type Action = 'close' | 'verify' | 'message';
/** An action's field, given its id and description. */
type Control = (id: string, describedBy: string, invalid: boolean) => TemplateResult;
type View = { state: 'loading' } | { state: 'shown'; data: RequestDetail } | { state: 'failed'; error: unknown };
/** The last action's outcome, shown (and focused) in the status message. */
type Outcome = { action: Action; ok: true } | { action: Action; ok: false; error: unknown } | undefined;

const styles = css`
  .back {
    margin: 0 0 0.5rem;
  }
  .actions {
    display: grid;
    gap: 1.5rem;
  }
  .outcome-failed {
    color: var(--_danger);
  }
`;

/**
 * One data request: its facts, the actions the office takes on it (close with
 * a note, record identity verified by other means, send a templated message,
 * download the Art. 15 answer), then the subject's whole trail in time order.
 * After an action the trail reloads and focus moves to the status message.
 *
 * @tagname console-request
 * @summary A request's facts, actions and the subject's trail.
 */
export class ConsoleRequest extends LitElement {
  static override styles = [tokens, viewStyles, trailStyles, styles];
  static override properties: PropertyDeclarations = {
    api: { attribute: false },
    locale: { attribute: false },
    requestId: { attribute: false },
    kid: { attribute: false },
  };

  /** The console API. */
  declare api: ConsoleApi;
  /** The language shown. */
  declare locale: Locale;
  /** The request's id (from the hash, `#/requests/<id>?kid=<kid>`). */
  declare requestId: string;
  /** The key id of the browser that signed it. */
  declare kid: string;

  constructor() {
    super();
    this.locale = 'fi';
    this.requestId = '';
    this.kid = '';
  }

  #view: View = { state: 'loading' };
  #outcome: Outcome;
  #busy: Action | undefined;
  #invalid: Action | undefined;

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('requestId') || changed.has('kid') || changed.has('api')) {
      this.#outcome = undefined;
      this.#view = { state: 'loading' };
      void this.#load();
    }
  }

  async #load(): Promise<void> {
    const [id, kid] = [this.requestId, this.kid];
    try {
      const data = await this.api.request(id, kid);
      if (id === this.requestId && kid === this.kid) this.#view = { state: 'shown', data };
    } catch (error) {
      if (id === this.requestId && kid === this.kid) this.#view = { state: 'failed', error };
    }
    this.requestUpdate();
  }

  // --- handlers ---

  async #act(event: SubmitEvent, action: Action): Promise<void> {
    event.preventDefault();
    if (this.#busy) return;
    const form = event.currentTarget as HTMLFormElement;
    const field = form.elements.namedItem('value') as HTMLTextAreaElement | HTMLSelectElement;
    const value = field.value.trim();
    if (!value) {
      // A note and a "how" are required: say so at the field and stay there.
      this.#invalid = action;
      this.requestUpdate();
      await this.updateComplete;
      field.focus();
      return;
    }
    this.#invalid = undefined;
    this.#busy = action;
    this.requestUpdate();
    const { requestId: id, kid } = this;
    try {
      if (action === 'close') await this.api.close(id, kid, value);
      else if (action === 'verify') await this.api.verifyIdentity(id, kid, value);
      else await this.api.message(id, kid, value);
      this.#outcome = { action, ok: true };
      form.reset();
      await this.#load();
    } catch (error) {
      this.#outcome = { action, ok: false, error };
    }
    this.#busy = undefined;
    this.requestUpdate();
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('#outcome')?.focus();
  }

  /** Typing in a field marked as missing clears the mark. */
  #onFixing = (): void => {
    this.#invalid = undefined;
    this.requestUpdate();
  };

  // --- render ---

  protected override render(): TemplateResult {
    const t = translator(this.locale);
    const v = this.#view;
    const title = v.state === 'shown' ? t('request.heading', { type: requestTypeLabel(t, v.data.request.requestType) }) : t('request.title');
    return html`<article lang=${this.locale} aria-labelledby="title" aria-busy=${v.state === 'loading' ? 'true' : 'false'}>
      <p class="back"><a href="#/requests">${t('request.back')}</a></p>
      <h1 id="title" tabindex="-1">${title}</h1>
      <p id="outcome" class="status ${this.#outcome?.ok === false ? 'outcome-failed' : ''}" role="status" tabindex="-1">${this.#renderOutcome(t)}</p>
      ${v.state === 'loading' ? html`<p class="muted">${t('app.loading')}</p>` : nothing}
      ${v.state === 'failed' ? html`<p class="error" role="alert">${errorText(t, v.error)}</p>` : nothing}
      ${v.state === 'shown' ? this.#renderShown(t, v.data) : nothing}
    </article>`;
  }

  #renderOutcome(t: Translate): string {
    const outcome = this.#outcome;
    if (!outcome) return '';
    return outcome.ok ? t(`request.done.${outcome.action}`) : t('request.failed', { reason: errorText(t, outcome.error) });
  }

  #renderShown(t: Translate, data: RequestDetail): TemplateResult {
    const { request } = data;
    const locale = this.locale;
    return html`<section aria-labelledby="facts-title">
        <h2 id="facts-title">${t('request.facts')}</h2>
        <dl class="facts">
          <dt>${t('requests.columns.type')}</dt>
          <dd>${requestTypeLabel(t, request.requestType)}</dd>
          <dt>${t('requests.columns.status')}</dt>
          <dd>
            ${request.status === 'closed'
              ? t('status.closedBy', { date: request.closedAt ? formatTime(locale, request.closedAt) : '', who: request.closedBy ?? '' })
              : t('status.open')}
          </dd>
          <dt>${t('requests.columns.received')}</dt>
          <dd>${formatTime(locale, request.receivedAt)}</dd>
          <dt>${t('requests.columns.due')}</dt>
          <dd class=${request.overdue && request.status === 'open' ? 'overdue' : ''}>${dueText(t, locale, request)}</dd>
          <dt>${t('requests.columns.identity')}</dt>
          <dd>${identityText(t, locale, request)}</dd>
          <dt>${t('requests.columns.language')}</dt>
          <dd>${languageName(locale, request.locale)}</dd>
          <dt>${t('request.name')}</dt>
          <dd>${request.name}</dd>
          <dt>${t('request.email')}</dt>
          <dd>${request.email}</dd>
          ${request.organisation ? html`<dt>${t('request.organisation')}</dt><dd>${request.organisation}</dd>` : nothing}
          ${request.phone ? html`<dt>${t('request.phone')}</dt><dd>${request.phone}</dd>` : nothing}
          <dt>${t('request.details')}</dt>
          <dd>${request.details ? html`<pre>${request.details}</pre>` : t('request.noDetails')}</dd>
          <dt>${t('request.source')}</dt>
          <dd>${t('request.sourceValue', { url: request.source?.url ?? '', element: request.source?.element ?? '' })}</dd>
        </dl>
      </section>
      <section aria-labelledby="actions-title">
        <h2 id="actions-title">${t('request.actions')}</h2>
        <div class="actions">
          <p><a class="button secondary" href=${answerHref(data.answerUrl)} download>${t('request.answer')}</a></p>
          ${request.status === 'open'
            ? this.#renderForm(t, 'close', textarea)
            : nothing}
          ${request.status === 'open' && request.identity !== 'confirmed' && !request.identityVerified
            ? this.#renderForm(t, 'verify', textarea)
            : nothing}
          ${data.templates.length
            ? this.#renderForm(
                t,
                'message',
                (id, describedBy) => html`<select id=${id} name="value" aria-describedby=${describedBy}>
                  ${data.templates.map((template) => html`<option value=${template.id}>${template.label}</option>`)}
                </select>`,
              )
            : nothing}
        </div>
      </section>
      <section aria-labelledby="trail-title">
        <h2 id="trail-title">${t('request.trail')}</h2>
        ${renderTrail(t, locale, data.trail)}
      </section>`;
  }

  #renderForm(t: Translate, action: Action, control: Control): TemplateResult {
    const invalid = this.#invalid === action;
    const describedBy = invalid ? `${action}-hint ${action}-error` : `${action}-hint`;
    return html`<form
      novalidate
      aria-labelledby="${action}-title"
      @submit=${(event: SubmitEvent) => this.#act(event, action)}
      @input=${invalid ? this.#onFixing : nothing}
    >
      <h3 id="${action}-title">${t(`request.${action}.title`)}</h3>
      <label for="${action}-value">${t(`request.${action}.label`)}</label>
      <p id="${action}-hint" class="muted">${t(`request.${action}.hint`)}</p>
      ${invalid ? html`<p id="${action}-error" class="error">${t(`request.${action}.missing`)}</p>` : nothing}
      ${control(`${action}-value`, describedBy, invalid)}
      <button type="submit" ?disabled=${this.#busy === action}>${t(`request.${action}.submit`)}</button>
    </form>`;
  }
}

/** The server's download URL, if it is one of its own paths (never a `javascript:` or another site's). */
function answerHref(url: string): string {
  try {
    return new URL(url, location.href).origin === location.origin ? url : '#';
  } catch {
    return '#';
  }
}

/** A required text field for a note or a "how". */
const textarea: Control = (id, describedBy, invalid) =>
  html`<textarea id=${id} name="value" required aria-describedby=${describedBy} aria-invalid=${invalid ? 'true' : 'false'}></textarea>`;

declare global {
  interface HTMLElementTagNameMap {
    'console-request': ConsoleRequest;
  }
}
