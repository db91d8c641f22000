/**
 * The parts of `<consent-form>` that are plain functions of its state: the
 * status it shows, the returning-visitor note, the processing box, the e-mail
 * field and the link offer. The element keeps the state and the handlers.
 */
import { html, nothing, type TemplateResult } from 'lit';
import type { Locale } from '../i18n.js';
import type { NoticeRef } from '@optimesys/privacy-records/schemas';
import type { StoredChoices } from './choices.js';
import { processingPurposes, purposeIds } from './consent-record.js';

export type Status =
  | { state: 'idle' }
  | { state: 'sending' }
  | { state: 'sent'; id: string }
  /** A confirmation mail is on its way; `firstHere`: the first record from this browser. */
  | { state: 'confirm'; id: string; firstHere: boolean }
  | { state: 'queued' }
  | { state: 'rejected'; reason: string }
  | { state: 'misconfigured' };

/** A first record from this browser that got no mail: the offer of a mailed link to all of the address's choices. */
export interface Offer {
  url: string;
  email: string;
  asked: boolean;
}

type T = (key: string, options?: Record<string, string>) => string;

/** Whether the stored choices grant anything (then "withdraw all" is offered). */
export const hasGranted = (stored: StoredChoices | undefined): boolean => Object.values(stored?.decisions ?? {}).some((d) => d.granted);

/** One `<consent-toggle>` per purpose, in the order given, its parts exported through the form. */
export function renderToggles(purposes: string, locale: Locale): TemplateResult[] {
  return purposeIds(purposes).map(
    (id) =>
      html`<consent-toggle
        part="toggle"
        exportparts="track: toggle-track, thumb: toggle-thumb, label: toggle-label, info-button: toggle-info-button, popover: toggle-popover"
        purpose=${id}
        lang=${locale}
      ></consent-toggle>`,
  );
}

/** Save (standalone only) and "withdraw all" (once something is granted). */
export function renderActions(submit: boolean, sending: boolean, withdraw: boolean, t: T, onWithdraw: () => void): TemplateResult {
  return html`<div class="actions">
    ${submit ? html`<button type="submit" part="submit" ?disabled=${sending}>${sending ? t('form.saving') : t('form.save')}</button>` : nothing}
    ${withdraw
      ? html`<button type="button" part="withdraw-all" class="secondary" @click=${onWithdraw}>${t('form.withdrawAll')}</button>`
      : nothing}
  </div>`;
}

/**
 * The note above the toggles: the hint, or for a returning visitor the date of
 * the remembered choices in its place. Both lines are always there, stacked in
 * one grid cell with the inactive one invisible, so the note keeps the height
 * of the longer and nothing below moves when the choices arrive after the
 * first paint (they are read from IndexedDB; server HTML cannot know them).
 * After a notice change: a request to review them instead.
 */
export function renderMemory(stored: StoredChoices | undefined, notice: NoticeRef | undefined, t: T): TemplateResult {
  if (stored && notice && stored.notice.digest !== notice.digest) return html`<p class="hint review" role="note">${t('form.review')}</p>`;
  const latest = stored && Object.values(stored.decisions).map((d) => d.issuedAt).sort().at(-1);
  // a wide date holds the place until the real one is known
  const date = latest ? new Date(latest) : new Date(2000, 11, 28);
  const returning = t('form.returning', { date: `${date.getDate()}.${date.getMonth() + 1}.${date.getFullYear()}` });
  return html`<p class="hint memo">
    <span class=${latest ? 'off' : 'on'}>${t('form.hint')}</span>
    <span class=${latest ? 'on returning' : 'off'}>${returning}</span>
  </p>`;
}

/** Purposes processed on another basis: information with a way to object, never toggles. */
export function renderProcessing(processing: string, locale: Locale, objection: string, t: T): TemplateResult | typeof nothing {
  const list = processingPurposes(processing, locale);
  if (!list.length) return nothing;
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

/** The standalone e-mail field; `error` is the key of its message, or empty. */
export function renderEmail(error: string, t: T, onInput: () => void): TemplateResult {
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
      @input=${onInput}
    />
    ${error ? html`<p id="email-error" class="error" part="error">${t(error)}</p>` : nothing}
  </div>`;
}

/** The status line: one polite and one assertive live region, both always there. */
export function renderStatus(s: Status, t: T): TemplateResult {
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

/** The offer of a mailed link, then what became of the request; `message` takes full keys (`preferences:…`). */
export function renderOffer(offer: Offer, message: (key: string) => string, onAsk: () => void): TemplateResult {
  return html`<p class="hint" part="prefs-offer" role=${offer.asked ? 'status' : nothing}>
      ${message(offer.asked ? 'preferences:asked' : 'preferences:offer')}
    </p>
    ${offer.asked ? nothing : html`<button type="button" part="prefs-link" class="secondary" @click=${onAsk}>${message('preferences:offerButton')}</button>`}`;
}
