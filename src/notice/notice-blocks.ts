import { html, nothing, type TemplateResult } from 'lit';
import type { NoticeBlock, NoticeSection } from './notice-schema.js';
import { heading } from '../ui/heading.js';
import { tokenize, tokenizeValue, type TextToken } from './text.js';

function tokens(list: TextToken[]): unknown {
  // Most text has no links: a plain string commits as one text node, where a
  // list would add a part and two markers per item.
  if (list.length === 1 && !list[0]!.href) return list[0]!.text;
  return list.map((token) =>
    token.href ? html`<a href=${token.href} part="link">${token.text}</a>` : token.text,
  );
}

/** Renders one block; `level` is the level of the enclosing section heading. */
export function renderBlock(
  block: NoticeBlock,
  level: number,
  requestHref: string,
): TemplateResult | typeof nothing {
  switch (block.type) {
    case 'paragraph':
      return html`<p>${tokens(tokenize(block.text))}</p>`;
    case 'subheading':
      return heading(level + 1, block.text, { className: 'subheading', part: 'subheading' });
    case 'list':
      return html`<ul part="list">
        ${block.items.map((item) => html`<li>${tokens(tokenize(item))}</li>`)}
      </ul>`;
    case 'ordered-list':
      return html`<ol class="bases" part="list">
        ${block.items.map(
          (item) =>
            html`<li>
              ${tokens(tokenize(item.text))}
              ${item.items?.length
                ? html`<ol>
                    ${item.items.map((sub) => html`<li>${tokens(tokenize(sub))}</li>`)}
                  </ol>`
                : nothing}
            </li>`,
        )}
      </ol>`;
    case 'details':
      return html`<dl part="details">
        ${block.items.map(
          (item) => html`<dt>${item.term}</dt>
            <dd>${tokens(tokenizeValue(item.value))}</dd>`,
        )}
      </dl>`;
    case 'request-link':
      return html`<p><a class="request-link" part="request-link" href=${requestHref}>${block.text}</a></p>`;
    default:
      return nothing;
  }
}

export function renderSection(
  section: NoticeSection,
  level: number,
  requestHref: string,
): TemplateResult {
  return html`<section id=${section.id} part="section" aria-labelledby=${`${section.id}-heading`}>
    ${heading(level, section.heading, {
      id: `${section.id}-heading`,
      className: 'section-heading',
      part: 'section-heading',
      focusable: true,
    })}
    ${section.blocks.map((block) => renderBlock(block, level, requestHref))}
  </section>`;
}
