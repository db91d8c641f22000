/**
 * The parts of `<data-request-form>` that are plain functions of its state:
 * the request types, the fields with their errors, the "good to know" box,
 * the status lines and the receipt. The element keeps the state and the handlers.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { getConfig } from '../config.js';
import { REQUEST_TYPE_IDS } from '@optimesys/privacy-records/vocabulary';
import { heading } from '../ui/heading.js';
import { safeHref } from '../ui/safe-href.js';
import type { Sent } from '../ui/send-record.js';
import { detailsRequired, MAX_LENGTH, type FieldProblem, type RequestField, type RequestInput } from './request-fields.js';

export type Status =
  | { state: 'editing' }
  | { state: 'sending' }
  | { state: 'sent'; sent: Sent }
  | { state: 'queued'; id: string }
  | { state: 'rejected'; reason: string };

/** What the fields show: the visitor's input and the problems found on send. */
export interface View {
  input: RequestInput;
  problems: Partial<Record<RequestField, FieldProblem>>;
}

type T = (key: string, options?: Record<string, unknown>) => string;

export function renderError(view: View, field: RequestField, t: T): TemplateResult | typeof nothing {
  const problem = view.problems[field];
  if (!problem) return nothing;
  const blank = problem.code === 'required' || problem.code === 'blank';
  const key =
    field === 'details' && blank ? 'required' : blank ? 'blank' : problem.code === 'type' ? 'type' : problem.code;
  return html`<p id=${`${field}-error`} class="error" part="error">
    ${t(`errors.${key}`, key === 'blank' ? { field: t(`fieldNames.${field}`) } : { max: problem.max, count: problem.count })}
  </p>`;
}

export function renderTypes(view: View, t: T): TemplateResult {
  const invalid = Boolean(view.problems.requestType);
  return html`<fieldset part="types" class="types" aria-describedby=${invalid ? 'requestType-error' : nothing}>
    <legend>${t('typeLegend')}</legend>
    ${REQUEST_TYPE_IDS.map(
      (type) => html`<div class="type">
        <input
          type="radio"
          id=${`type-${type}`}
          name="requestType"
          value=${type}
          ?checked=${view.input.requestType === type}
          aria-describedby=${`type-${type}-help`}
          aria-invalid=${invalid ? 'true' : nothing}
        />
        <label for=${`type-${type}`}>${t(`types.${type}.label`)}</label>
        <p id=${`type-${type}-help`} class="help">${t(`types.${type}.help`)}</p>
      </div>`,
    )}
    ${renderError(view, 'requestType', t)}
  </fieldset>`;
}

export function renderField(view: View, field: 'name' | 'email' | 'organisation' | 'phone', type: string, autocomplete: string, t: T): TemplateResult {
  const problem = view.problems[field];
  const hint = field === 'phone' ? 'phone-hint' : '';
  const describedBy = [problem ? `${field}-error` : '', hint].filter(Boolean).join(' ');
  return html`<div class="field" part="field">
    <label for=${field}>${t(`fields.${field}`)}</label>
    ${hint ? html`<p id="phone-hint" class="help">${t('fields.phoneHint')}</p>` : nothing}
    <input
      id=${field}
      name=${field}
      type=${type}
      autocomplete=${autocomplete}
      .value=${view.input[field]}
      ?required=${field === 'name' || field === 'email'}
      aria-invalid=${problem ? 'true' : 'false'}
      aria-describedby=${describedBy || nothing}
    />
    ${renderError(view, field, t)}
  </div>`;
}

export function renderDetails(view: View, t: T): TemplateResult {
  const required = detailsRequired(view.input.requestType);
  const problem = view.problems.details;
  const max = MAX_LENGTH.details!;
  return html`<div class="field" part="field">
    <label for="details">${required ? t('fields.detailsRequired') : t('fields.details')}</label>
    <textarea
      id="details"
      name="details"
      rows="5"
      .value=${view.input.details}
      ?required=${required}
      aria-invalid=${problem ? 'true' : 'false'}
      aria-describedby=${problem ? 'details-error details-counter' : 'details-counter'}
    ></textarea>
    <p id="details-counter" class="counter ${view.input.details.length > max ? 'over' : ''}">
      ${t('fields.counter', { count: view.input.details.length, max })}
    </p>
    ${renderError(view, 'details', t)}
  </div>`;
}

export function renderPromises(view: View, t: T): TemplateResult {
  const type = view.input.requestType;
  const access = type === 'access' || type === 'portability';
  return html`<section part="promises" class="info-box" aria-labelledby="promises-title">
    <p id="promises-title" class="info-box-title">${t('promises.title')}</p>
    <ul>
      ${access ? html`<li>${t('promises.free')}</li>` : nothing}
      <li>${t('promises.identity')}</li>
      <li>${t('promises.deadline')}</li>
      <li>${t('promises.complaint')}</li>
    </ul>
  </section>`;
}

export function renderStatus(s: Status, t: T): TemplateResult {
  return html`<p part="status" class="status queued" role="status">${s.state === 'queued' ? t('queued', { id: s.id }) : ''}</p>
    <p part="status" class="status rejected" role="alert">${s.state === 'rejected' ? t('rejected', { reason: s.reason }) : ''}</p>`;
}

export function renderReceipt(sent: Sent, t: T, level: number, on: { download(): void; another(): void }): TemplateResult {
  const due = sent.status === 'sent' && 'dueBy' in sent.receipt ? sent.receipt.dueBy : undefined;
  const [y, m, d] = (due ?? '').split('-').map(Number);
  // The receiver mailed a link: the request is handled once the requester proves the address.
  const confirm = sent.status === 'sent' && (sent.receipt as { confirmation?: string }).confirmation === 'pending';
  return html`<section part="receipt" class="receipt" aria-labelledby="receipt-title">
    ${heading(level + 1, t('sent.title'), { id: 'receipt-title', className: 'receipt-title', part: 'receipt-title', focusable: true })}
    <p>${t('sent.reference', { id: sent.record.id })}</p>
    ${due ? html`<p>${t('sent.due', { date: `${String(d)}.${String(m)}.${String(y)}` })}</p>` : nothing}
    ${confirm ? html`<p class="inbox">${t('sent.confirm')}</p>` : nothing}
    <p class="help">${t('sent.receiptHint')}</p>
    <div class="actions">
      <button type="button" @click=${on.download}>${t('sent.receipt')}</button>
      <button type="button" class="secondary" @click=${on.another}>${t('sent.another')}</button>
    </div>
    <p><a href=${safeHref(getConfig().noticeHref, '#privacy-notice')}>${t('noticeLink')}</a></p>
  </section>`;
}
