import { css, html, LitElement, nothing, type PropertyDeclarations, type PropertyValues, type TemplateResult } from 'lit';
import type { AddressConsents, ConsentStats, ConsoleApi } from './api.js';
import { errorText, formatNumber, formatTime } from './format.js';
import { translator, type Locale, type Translate } from './i18n.js';
import { consentState } from './stats.js';
import { tokens, viewStyles } from './styles.js';

type Stats = { state: 'loading' } | { state: 'shown'; stats: ConsentStats } | { state: 'failed'; error: unknown };
type Search = { state: 'idle' } | { state: 'searching' } | { state: 'found'; result: AddressConsents } | { state: 'failed'; error: unknown };

const STATES = ['granted', 'pending', 'withdrawn'] as const;

const styles = css`
  .search {
    grid-template-columns: 1fr auto;
    align-items: end;
  }
  .search label {
    grid-column: 1 / -1;
  }
`;

/**
 * The consents: per purpose how many are granted, pending confirmation and
 * withdrawn; a weekly chart of how that changed; and a search by e-mail
 * address that shows the address's state per purpose and since when.
 *
 * @tagname console-consents
 * @summary Consent totals, their weekly chart and a search by address.
 */
export class ConsoleConsents extends LitElement {
  static override styles = [tokens, viewStyles, styles];
  static override properties: PropertyDeclarations = {
    api: { attribute: false },
    locale: { attribute: false },
  };

  /** The console API. */
  declare api: ConsoleApi;
  /** The language shown. */
  declare locale: Locale;

  constructor() {
    super();
    this.locale = 'fi';
  }

  #stats: Stats = { state: 'loading' };
  #search: Search = { state: 'idle' };

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('api')) void this.#load();
  }

  async #load(): Promise<void> {
    this.#stats = { state: 'loading' };
    try {
      this.#stats = { state: 'shown', stats: await this.api.consentStats() };
    } catch (error) {
      this.#stats = { state: 'failed', error };
    }
    this.requestUpdate();
  }

  // --- handlers ---

  async #onSearch(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const input = this.renderRoot.querySelector<HTMLInputElement>('#email')!;
    // Any address the receiver stored is searchable, also one the browser's check would refuse.
    const email = input.value.trim();
    if (!email) {
      input.focus();
      return;
    }
    this.#search = { state: 'searching' };
    this.requestUpdate();
    try {
      this.#search = { state: 'found', result: await this.api.consentsOf(email) };
    } catch (error) {
      // An address the receiver has never seen is an answer, not a failure.
      const notFound = (error as { code?: string }).code === 'not-found';
      this.#search = notFound ? { state: 'found', result: { email, purposes: [] } } : { state: 'failed', error };
    }
    this.requestUpdate();
  }

  // --- render ---

  protected override render(): TemplateResult {
    const t = translator(this.locale);
    const s = this.#stats;
    return html`<section lang=${this.locale} aria-labelledby="title">
      <h1 id="title" tabindex="-1">${t('consents.title')}</h1>
      <div aria-busy=${s.state === 'loading' ? 'true' : 'false'}>
        ${s.state === 'loading' ? html`<p class="muted">${t('app.loading')}</p>` : nothing}
        ${s.state === 'failed' ? html`<p class="error" role="alert">${errorText(t, s.error)}</p>` : nothing}
        ${s.state === 'shown' ? this.#renderStats(t, s.stats) : nothing}
      </div>
      <h2 id="search-title">${t('consents.search.title')}</h2>
      <form class="search" novalidate aria-labelledby="search-title" @submit=${this.#onSearch}>
        <label for="email">${t('consents.search.email')}</label>
        <input id="email" name="email" type="email" autocomplete="off" inputmode="email" required />
        <button type="submit" ?disabled=${this.#search.state === 'searching'}>${t('consents.search.submit')}</button>
      </form>
      <p class="visually-hidden" role="status">${this.#searchSummary(t)}</p>
      ${this.#renderSearch(t)}
    </section>`;
  }

  #renderStats(t: Translate, stats: ConsentStats): TemplateResult {
    const locale = this.locale;
    return html`<h2 id="totals-title">${t('consents.totals')}</h2>
      ${stats.purposes.length === 0
        ? html`<p>${t('consents.none')}</p>`
        : html`<table aria-labelledby="totals-title">
            <thead>
              <tr>
                <th scope="col">${t('consents.purpose')}</th>
                ${STATES.map((state) => html`<th scope="col" class="number">${t(`consents.states.${state}`)}</th>`)}
              </tr>
            </thead>
            <tbody>
              ${stats.purposes.map(
                (p) => html`<tr>
                  <th scope="row">${p.label}</th>
                  ${STATES.map((state) => html`<td class="number">${formatNumber(locale, p[state])}</td>`)}
                </tr>`,
              )}
            </tbody>
          </table>`}
      <h2>${t('consents.weekly')}</h2>
      <console-consent-chart .locale=${locale} .purposes=${stats.purposes} .weeks=${stats.weeks}></console-consent-chart>`;
  }

  /** The search's outcome in one sentence, for the live region (the table itself is not read out whole). */
  #searchSummary(t: Translate): string {
    const s = this.#search;
    if (s.state !== 'found') return '';
    const { email, purposes } = s.result;
    return purposes.length ? t('consents.search.caption', { email }) : t('consents.search.nothing', { email });
  }

  #renderSearch(t: Translate): TemplateResult | typeof nothing {
    const s = this.#search;
    const locale = this.locale;
    if (s.state === 'idle') return nothing;
    if (s.state === 'searching') return html`<p class="muted">${t('app.loading')}</p>`;
    if (s.state === 'failed') return html`<p class="error" role="alert">${errorText(t, s.error)}</p>`;
    const { result } = s;
    if (result.purposes.length === 0) return html`<p>${t('consents.search.nothing', { email: result.email })}</p>`;
    return html`<table id="results">
      <caption>
        ${t('consents.search.caption', { email: result.email })}
      </caption>
      <thead>
        <tr>
          <th scope="col">${t('consents.purpose')}</th>
          <th scope="col">${t('consents.search.state')}</th>
          <th scope="col">${t('consents.search.since')}</th>
        </tr>
      </thead>
      <tbody>
        ${result.purposes.map(
          (p) => html`<tr>
            <th scope="row">${p.label}</th>
            <td>${t(`consents.states.${consentState(p)}`)}</td>
            <td>${formatTime(locale, p.decidedAt)}</td>
          </tr>`,
        )}
      </tbody>
    </table>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'console-consents': ConsoleConsents;
  }
}
