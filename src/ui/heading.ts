import { nothing, type TemplateResult } from 'lit';
import { literal, html as staticHtml, type StaticValue } from 'lit/static-html.js';

// Heading tags as static literals: the level is chosen from this list, never
// built from a string, so no markup can come from a document or attribute.
const HEADINGS: StaticValue[] = [
  literal`h1`,
  literal`h2`,
  literal`h3`,
  literal`h4`,
  literal`h5`,
  literal`h6`,
];

/** Clamps a heading level to 1–6. */
export function clampLevel(level: number): number {
  return Math.min(6, Math.max(1, Math.trunc(level) || 2));
}

export function heading(
  level: number,
  content: unknown,
  attrs: { id?: string; className: string; part: string; focusable?: boolean },
): TemplateResult {
  const tag = HEADINGS[clampLevel(level) - 1]!;
  return staticHtml`<${tag} id=${attrs.id ?? nothing} class=${attrs.className} part=${attrs.part}
    tabindex=${attrs.focusable ? '-1' : nothing}>${content}</${tag}>`;
}
