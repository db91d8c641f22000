import { css, html, LitElement, type PropertyDeclarations, type PropertyValues, type TemplateResult } from 'lit';
import uPlot from 'uplot';
import type { PurposeCounts, WeekCounts } from './api.js';
import { formatAxisDay, formatDay, formatNumber } from './format.js';
import { translator, type Locale } from './i18n.js';
import { weeklySeries } from './stats.js';
import { tokens, viewStyles } from './styles.js';
import { uplotStyles } from './uplot-styles.js';

const STATES = ['granted', 'pending', 'withdrawn'] as const;
// Lines differ by dash as well as colour, so they are told apart without colour (WCAG 1.4.1).
const DASH: Record<(typeof STATES)[number], number[] | undefined> = { granted: undefined, pending: [8, 4], withdrawn: [2, 3] };

const styles = css`
  :host {
    --_granted: var(--console-chart-granted, light-dark(#1e6b34, #8fd9a4));
    --_pending: var(--console-chart-pending, light-dark(#8a5300, #ffc56b));
    --_withdrawn: var(--console-chart-withdrawn, light-dark(#b3261e, #ffb4ab));
  }
  .controls {
    display: grid;
    gap: 0.25rem;
    max-width: 24rem;
    margin-bottom: 0.75rem;
  }
  figure {
    margin: 0;
  }
  .plot {
    min-height: 16rem;
  }
  .legend {
    display: flex;
    flex-wrap: wrap;
    gap: 0.25rem 1.25rem;
    margin: 0.5rem 0;
    padding: 0;
    list-style: none;
  }
  .swatch {
    display: inline-block;
    width: 2rem;
    margin-inline-end: 0.4rem;
    vertical-align: middle;
    border-top: 3px solid currentColor;
  }
  .granted {
    color: var(--_granted);
  }
  .pending {
    color: var(--_pending);
    border-top-style: dashed;
  }
  .withdrawn {
    color: var(--_withdrawn);
    border-top-style: dotted;
  }
`;

/**
 * One purpose's consents week by week, as a line chart (uPlot) with the same
 * numbers in a table beside it, which the chart names as its description.
 * A select picks the purpose.
 *
 * @tagname console-consent-chart
 * @summary Weekly consent counts of a purpose: chart and table.
 *
 * @cssprop --console-chart-granted - The "granted" line.
 * @cssprop --console-chart-pending - The "pending confirmation" line.
 * @cssprop --console-chart-withdrawn - The "withdrawn" line.
 */
export class ConsoleConsentChart extends LitElement {
  static override styles = [tokens, viewStyles, uplotStyles, styles];
  static override properties: PropertyDeclarations = {
    locale: { attribute: false },
    purposes: { attribute: false },
    weeks: { attribute: false },
    purpose: { attribute: false },
  };

  /** The language shown. */
  declare locale: Locale;
  /** The purposes, in the order and with the labels of the totals table. */
  declare purposes: PurposeCounts[];
  /** Every purpose's weeks. */
  declare weeks: WeekCounts[];
  /** The purpose shown; the first one by default. */
  declare purpose: string;

  constructor() {
    super();
    this.locale = 'fi';
    this.purposes = [];
    this.weeks = [];
    this.purpose = '';
  }

  #plot: uPlot | undefined;
  #resize = new ResizeObserver(() => this.#fit());
  #scheme = matchMedia('(prefers-color-scheme: dark)');

  override connectedCallback(): void {
    super.connectedCallback();
    // Canvas colours are read from CSS once per drawing: draw again when the scheme changes.
    this.#scheme.addEventListener('change', this.#onScheme);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#scheme.removeEventListener('change', this.#onScheme);
    this.#resize.disconnect();
    this.#plot?.destroy();
    this.#plot = undefined;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('purposes') && !this.purposes.some((p) => p.purpose === this.purpose)) this.purpose = this.purposes[0]?.purpose ?? '';
  }

  protected override updated(): void {
    this.#draw();
  }

  /** Draws the chart anew (data, language and colours may all have changed; uPlot is fast at this size). */
  #draw(): void {
    this.#plot?.destroy();
    this.#plot = undefined;
    const target = this.renderRoot.querySelector<HTMLElement>('.plot');
    const { data } = weeklySeries(this.weeks, this.purpose);
    if (!target || data[0].length === 0) return;
    const t = translator(this.locale);
    const color = (name: string) => getComputedStyle(this.renderRoot.querySelector(`.swatch.${name}`)!).color;
    const text = getComputedStyle(this).color;
    // Grey at partial opacity reads as a faint grid on a light and a dark background alike.
    const grid = { stroke: 'rgba(128,128,128,0.35)', width: 1 };
    const locale = this.locale;
    this.#plot = new uPlot(
      {
        width: Math.max(280, target.clientWidth),
        height: 260,
        legend: { show: false },
        cursor: { show: false },
        select: { show: false, left: 0, top: 0, width: 0, height: 0 },
        scales: { x: { time: true } },
        series: [
          {},
          ...STATES.map((state) => ({ label: t(`consents.states.${state}`), stroke: color(state), width: 2, dash: DASH[state], points: { show: true } })),
        ],
        axes: [
          {
            stroke: text,
            grid,
            ticks: grid,
            // One tick per week (at most about eight): uPlot's own ticks would fall on days between the data.
            splits: () => data[0].filter((_, i) => i % Math.ceil(data[0].length / 8) === 0),
            values: (_u: uPlot, splits: number[]) => splits.map((s) => formatAxisDay(locale, s)),
          },
          { stroke: text, grid, ticks: grid, values: (_u: uPlot, splits: number[]) => splits.map((s) => formatNumber(locale, s)) },
        ],
      },
      data,
      target,
    );
    this.#resize.observe(target);
  }

  #fit(): void {
    const target = this.renderRoot.querySelector<HTMLElement>('.plot');
    if (this.#plot && target && Math.abs(this.#plot.width - target.clientWidth) > 2) {
      this.#plot.setSize({ width: Math.max(280, target.clientWidth), height: 260 });
    }
  }

  // --- handlers ---

  #onScheme = (): void => this.#draw();

  #onPurpose(event: Event): void {
    this.purpose = (event.target as HTMLSelectElement).value;
  }

  // --- render ---

  protected override render(): TemplateResult {
    const t = translator(this.locale);
    const locale = this.locale;
    const label = this.purposes.find((p) => p.purpose === this.purpose)?.label ?? this.purpose;
    const { rows } = weeklySeries(this.weeks, this.purpose);
    return html`<div lang=${locale}>
      <div class="controls">
        <label for="purpose">${t('consents.chart.purpose')}</label>
        <select id="purpose" @change=${this.#onPurpose}>
          ${this.purposes.map((p) => html`<option value=${p.purpose} ?selected=${p.purpose === this.purpose}>${p.label}</option>`)}
        </select>
      </div>
      ${rows.length === 0
        ? html`<p>${t('consents.chart.empty')}</p>`
        : html`<figure>
            <figcaption id="chart-caption">${t('consents.chart.caption', { purpose: label })}</figcaption>
            <ul class="legend" aria-hidden="true">
              ${STATES.map((state) => html`<li><span class="swatch ${state}"></span>${t(`consents.states.${state}`)}</li>`)}
            </ul>
            <div class="plot" role="img" aria-labelledby="chart-caption" aria-describedby="chart-table"></div>
            <table id="chart-table">
              <caption>
                ${t('consents.chart.tableCaption', { purpose: label })}
              </caption>
              <thead>
                <tr>
                  <th scope="col">${t('consents.chart.week')}</th>
                  ${STATES.map((state) => html`<th scope="col" class="number">${t(`consents.states.${state}`)}</th>`)}
                </tr>
              </thead>
              <tbody>
                ${rows.map(
                  (w) => html`<tr>
                    <th scope="row">${t('consents.chart.weekOf', { week: w.week, date: formatDay(locale, w.start) })}</th>
                    ${STATES.map((state) => html`<td class="number">${formatNumber(locale, w[state])}</td>`)}
                  </tr>`,
                )}
              </tbody>
            </table>
          </figure>`}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'console-consent-chart': ConsoleConsentChart;
  }
}
