import { html, nothing, type TemplateResult } from 'lit';

type Attrs = { id?: string; className: string; part: string; focusable?: boolean };

// One template per heading tag: the level is chosen from this list, never
// built from a string, so no markup can come from a document or attribute.
// (Plain templates rather than lit/static-html's literals: no static-html module in the bundles.)
const HEADINGS: ((a: Attrs, content: unknown) => TemplateResult)[] = [
  (a, c) => html`<h1 id=${a.id ?? nothing} class=${a.className} part=${a.part} tabindex=${a.focusable ? '-1' : nothing}>${c}</h1>`,
  (a, c) => html`<h2 id=${a.id ?? nothing} class=${a.className} part=${a.part} tabindex=${a.focusable ? '-1' : nothing}>${c}</h2>`,
  (a, c) => html`<h3 id=${a.id ?? nothing} class=${a.className} part=${a.part} tabindex=${a.focusable ? '-1' : nothing}>${c}</h3>`,
  (a, c) => html`<h4 id=${a.id ?? nothing} class=${a.className} part=${a.part} tabindex=${a.focusable ? '-1' : nothing}>${c}</h4>`,
  (a, c) => html`<h5 id=${a.id ?? nothing} class=${a.className} part=${a.part} tabindex=${a.focusable ? '-1' : nothing}>${c}</h5>`,
  (a, c) => html`<h6 id=${a.id ?? nothing} class=${a.className} part=${a.part} tabindex=${a.focusable ? '-1' : nothing}>${c}</h6>`,
];

/** Clamps a heading level to 1–6. */
export function clampLevel(level: number): number {
  return Math.min(6, Math.max(1, Math.trunc(level) || 2));
}

export function heading(level: number, content: unknown, attrs: Attrs): TemplateResult {
  return HEADINGS[clampLevel(level) - 1]!(attrs, content);
}
