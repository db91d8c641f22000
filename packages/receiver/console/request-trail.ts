import { css, html, nothing, type TemplateResult } from 'lit';
import type { TrailEntry } from './api.js';
import { formatTime } from './format.js';
import type { Locale, Translate } from './i18n.js';
import { detailRows, sortTrail, text, type DetailRow } from './trail.js';

// A subject's trail holds what visitors typed (records, mail text): every value
// goes through a lit text binding or a <pre>'s text, never through markup.

export const trailStyles = css`
  ol.trail {
    margin: 0;
    padding: 0;
    list-style: none;
    border-inline-start: 3px solid var(--_border);
  }
  ol.trail > li {
    position: relative;
    margin: 0 0 1.25rem;
    padding-inline-start: 1rem;
  }
  ol.trail > li::before {
    content: '';
    position: absolute;
    inset-inline-start: -0.5rem;
    top: 0.45rem;
    width: 0.75rem;
    height: 0.75rem;
    border-radius: 50%;
    background: var(--_accent);
  }
  .kind {
    display: inline-block;
    margin-inline-start: 0.5rem;
    padding: 0 0.5rem;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    font-size: 0.875rem;
    font-weight: 600;
  }
  .summary {
    margin: 0.25rem 0;
  }
`;

/** The trail in time order, oldest first, each entry with what it said. */
export function renderTrail(t: Translate, locale: Locale, entries: readonly TrailEntry[]): TemplateResult {
  if (entries.length === 0) return html`<p>${t('trail.empty')}</p>`;
  return html`<ol class="trail">
    ${sortTrail(entries).map((entry) => renderEntry(t, locale, entry))}
  </ol>`;
}

function renderEntry(t: Translate, locale: Locale, entry: TrailEntry): TemplateResult {
  const kind = t(`trail.kinds.${entry.kind}`);
  return html`<li>
    <h3>
      <time datetime=${entry.at}>${formatTime(locale, entry.at)}</time>
      <span class="kind">${kind.startsWith('trail.') ? entry.kind : kind}</span>
    </h3>
    ${entry.summary ? html`<p class="summary">${entry.summary}</p>` : nothing} ${renderDetail(t, locale, entry)}
  </li>`;
}

function renderDetail(t: Translate, locale: Locale, entry: TrailEntry): TemplateResult | typeof nothing {
  const detail = entry.detail;
  if (!detail) return nothing;
  switch (entry.kind) {
    case 'mail':
      return html`<dl class="facts">
        ${fact(t('trail.mail.to'), text(detail.to))} ${fact(t('trail.mail.subject'), text(detail.subject))}
        ${fact(t('trail.mail.sentAt'), typeof detail.sentAt === 'string' ? formatTime(locale, detail.sentAt) : t('trail.mail.notSent'))}
        ${rows(detailRows(detail, ['to', 'subject', 'sentAt', 'text']))}
        ${detail.text !== undefined ? fact(t('trail.mail.text'), text(detail.text), true) : nothing}
      </dl>`;
    case 'record': {
      // Where the record came from, then all it said.
      const record = (detail.record ?? {}) as { source?: { url?: unknown; element?: unknown } };
      const source = record.source;
      return html`<dl class="facts">
          ${source?.url !== undefined ? fact(t('trail.source'), text(source.url)) : nothing}
          ${source?.element !== undefined ? fact(t('trail.element'), text(source.element)) : nothing}
          ${rows(detailRows(detail, ['record']))}
        </dl>
        <details open>
          <summary>${t('trail.record')}</summary>
          <pre>${text(detail.record)}</pre>
        </details>`;
    }
    case 'action':
      return html`<dl class="facts">
        ${fact(t('trail.action.who'), text(detail.who))} ${fact(t('trail.action.what'), text(detail.what))}
        ${detail.note !== undefined ? fact(t('trail.action.note'), text(detail.note), true) : nothing}
        ${rows(detailRows(detail, ['who', 'what', 'note']))}
      </dl>`;
    default: {
      const all = detailRows(detail);
      return all.length ? html`<dl class="facts">${rows(all)}</dl>` : nothing;
    }
  }
}

function fact(label: string, value: string, block = false): TemplateResult {
  return html`<dt>${label}</dt>
    <dd>${block ? html`<pre>${value}</pre>` : value}</dd>`;
}

function rows(list: DetailRow[]): TemplateResult[] {
  return list.map((row) => fact(row.key, row.value, row.block));
}
