import { css, html, LitElement, nothing, type PropertyDeclarations, type PropertyValues, type TemplateResult } from 'lit';
import { STATUS_FILTERS, type ConsoleApi, type RequestRow, type StatusFilter } from './api.js';
import { dueText, errorText, formatTime, identityText, languageName, requestTypeLabel } from './format.js';
import { translator, type Locale, type Translate } from './i18n.js';
import { routeHash } from './route.js';
import { tokens, viewStyles } from './styles.js';

type View = { state: 'loading' } | { state: 'list'; rows: RequestRow[]; total: number } | { state: 'failed'; error: unknown };

const styles = css`
  fieldset {
    display: flex;
    flex-wrap: wrap;
    gap: 0.25rem 1.25rem;
    margin: 0 0 1rem;
    padding: 0.5rem 1rem;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
  }
  legend {
    padding-inline: 0.25rem;
    font-weight: 600;
  }
  fieldset label {
    display: inline-flex;
    align-items: center;
    gap: 0.4rem;
    min-height: 2.75rem;
    font-weight: 400;
    cursor: pointer;
  }
  fieldset input {
    width: 1.15rem;
    min-height: 1.15rem;
    margin: 0;
  }
  td .who {
    display: block;
    overflow-wrap: anywhere;
  }
  .more {
    margin-top: 1rem;
  }
`;

/**
 * Every data request, overdue first, then by due date, filtered to open,
 * overdue, closed or all. The filter is a radio group (arrow keys move it) and
 * lives in the URL's hash, so a filtered list can be bookmarked and reloaded.
 * The receiver sends the list a page at a time, in its order; "Show more"
 * adds the next page and takes focus to its first request.
 *
 * @tagname console-requests
 * @summary The data requests by due date, with a status filter.
 */
export class ConsoleRequests extends LitElement {
  static override styles = [tokens, viewStyles, styles];
  static override properties: PropertyDeclarations = {
    api: { attribute: false },
    locale: { attribute: false },
    status: { attribute: false },
  };

  /** The console API. */
  declare api: ConsoleApi;
  /** The language shown. */
  declare locale: Locale;
  /** Which requests are listed (from the hash, `#/requests?status=…`). */
  declare status: StatusFilter;

  constructor() {
    super();
    this.locale = 'fi';
    this.status = 'open';
  }

  #view: View = { state: 'loading' };
  /** Counts the loads, so an answer to an older filter never replaces a newer one. */
  #generation = 0;
  #loadingMore = false;
  /** Why the last "Show more" failed: said beside the button, the rows shown so far kept. */
  #moreError: unknown;

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('status') || changed.has('api')) void this.#load();
  }

  async #load(): Promise<void> {
    const generation = ++this.#generation;
    this.#view = { state: 'loading' };
    this.#moreError = undefined;
    try {
      const { requests, total } = await this.api.requests(this.status);
      if (generation === this.#generation) this.#view = { state: 'list', rows: requests, total };
    } catch (error) {
      if (generation === this.#generation) this.#view = { state: 'failed', error };
    }
    this.requestUpdate();
  }

  async #more(): Promise<void> {
    const view = this.#view;
    if (view.state !== 'list' || this.#loadingMore) return;
    const generation = this.#generation;
    this.#loadingMore = true;
    this.#moreError = undefined;
    this.requestUpdate();
    try {
      const { requests, total } = await this.api.requests(this.status, view.rows.length);
      if (generation !== this.#generation) return;
      this.#view = { state: 'list', rows: [...view.rows, ...requests], total };
      this.#loadingMore = false;
      this.requestUpdate();
      await this.updateComplete;
      // To the first request the page added: where reading goes on.
      this.renderRoot.querySelectorAll<HTMLAnchorElement>('tbody tr th a')[view.rows.length]?.focus();
    } catch (error) {
      if (generation === this.#generation) this.#moreError = error;
    } finally {
      this.#loadingMore = false;
      this.requestUpdate();
    }
  }

  // --- handlers ---

  #onFilter(event: Event): void {
    const status = (event.target as HTMLInputElement).value as StatusFilter;
    // The hash is the source of truth: the app hears it and hands the new status back.
    location.hash = routeHash({ view: 'requests', status });
  }

  // --- render ---

  protected override render(): TemplateResult {
    const t = translator(this.locale);
    const v = this.#view;
    // What a filter change found is said once, in the status line: a live table would be read out whole.
    return html`<section lang=${this.locale} aria-labelledby="title">
      <h1 id="title" tabindex="-1">${t('requests.title')}</h1>
      <fieldset>
        <legend>${t('requests.filter')}</legend>
        ${STATUS_FILTERS.map(
          (status) => html`<label>
            <input type="radio" name="status" value=${status} .checked=${status === this.status} @change=${this.#onFilter} />
            ${t(`requests.filters.${status}`)}
          </label>`,
        )}
      </fieldset>
      <p class="visually-hidden" role="status">${v.state === 'list' ? this.#summary(t, v.rows) : ''}</p>
      <div aria-busy=${v.state === 'loading' ? 'true' : 'false'}>
        ${v.state === 'loading'
          ? html`<p class="muted">${t('app.loading')}</p>`
          : v.state === 'failed'
            ? html`<p class="error" role="alert">${errorText(t, v.error)}</p>`
            : this.#renderTable(t, v.rows)}
      </div>
    </section>`;
  }

  #summary(t: Translate, rows: RequestRow[]): string {
    const total = this.#view.state === 'list' ? this.#view.total : rows.length;
    if (total === 0) return t(`requests.empty.${this.status}`);
    return t('requests.caption', { filter: t(`requests.filters.${this.status}`), count: total });
  }

  #renderTable(t: Translate, rows: RequestRow[]): TemplateResult {
    if (rows.length === 0) return html`<p>${this.#summary(t, rows)}</p>`;
    return html`<table>
      <caption>
        ${this.#summary(t, rows)}
      </caption>
      <thead>
        <tr>
          <th scope="col">${t('requests.columns.type')}</th>
          <th scope="col">${t('requests.columns.requester')}</th>
          <th scope="col">${t('requests.columns.received')}</th>
          <th scope="col">${t('requests.columns.due')}</th>
          <th scope="col">${t('requests.columns.identity')}</th>
          <th scope="col">${t('requests.columns.language')}</th>
          <th scope="col">${t('requests.columns.status')}</th>
        </tr>
      </thead>
      <tbody>
        ${rows.map((row) => this.#renderRow(t, row))}
      </tbody>
    </table>
    ${this.#view.state === 'list' && rows.length < this.#view.total
      ? html`<button class="more" type="button" aria-busy=${this.#loadingMore ? 'true' : 'false'} @click=${this.#more}>
          ${t('requests.more', { shown: rows.length, total: this.#view.total })}
        </button>`
      : nothing}
    ${this.#moreError === undefined ? nothing : html`<p class="error" role="alert">${errorText(t, this.#moreError)}</p>`}`;
  }

  #renderRow(t: Translate, row: RequestRow): TemplateResult {
    const locale = this.locale;
    const href = routeHash({ view: 'request', id: row.id, kid: row.kid });
    return html`<tr>
      <th scope="row"><a href=${href}>${requestTypeLabel(t, row.requestType)}</a></th>
      <td><span class="who">${row.name}</span><span class="who muted">${row.email}</span></td>
      <td>${formatTime(locale, row.receivedAt)}</td>
      <td class=${row.overdue && row.status === 'open' ? 'overdue' : ''}>${dueText(t, locale, row)}</td>
      <td>${identityText(t, locale, row)}</td>
      <td>${languageName(locale, row.locale)}</td>
      <td>
        ${row.status === 'closed'
          ? t('status.closedAt', { date: row.closedAt ? formatTime(locale, row.closedAt) : '' })
          : t('status.open')}
      </td>
    </tr>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'console-requests': ConsoleRequests;
  }
}
