import { css } from 'lit';

/**
 * The console's design tokens: the same `--pw-*` custom properties and
 * light/dark defaults as the widgets' (src/ui/tokens.ts), copied because the
 * receiver does not depend on the widgets package.
 */
export const tokens = css`
  :host {
    color-scheme: light dark;
    --_font: var(--pw-font-family, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    --_text: var(--pw-color-text, light-dark(#1c2127, #e6e9ed));
    --_muted: var(--pw-color-muted, light-dark(#4d5560, #b3bac3));
    --_bg: var(--pw-color-background, light-dark(#ffffff, #16191d));
    --_surface: var(--pw-color-surface, light-dark(#f3f5f7, #22272d));
    --_border: var(--pw-color-border, light-dark(#c5ccd3, #48515b));
    --_accent: var(--pw-color-accent, light-dark(#0b57a4, #8cc4ff));
    --_on-accent: var(--pw-color-on-accent, light-dark(#ffffff, #0b1a2b));
    --_danger: var(--pw-color-danger, light-dark(#b3261e, #ffb4ab));
    --_success: var(--pw-color-success, light-dark(#1e6b34, #8fd9a4));
    --_radius: var(--pw-radius, 0.375rem);
    --_focus: var(--pw-focus-ring, 3px solid light-dark(#0b57a4, #8cc4ff));
    display: block;
    font-family: var(--_font);
    color: var(--_text);
    line-height: 1.55;
  }
  :host([hidden]) {
    display: none !important;
  }
  :focus-visible {
    outline: var(--_focus);
    outline-offset: 2px;
  }
  a {
    color: var(--_accent);
    text-underline-offset: 0.15em;
  }
  .visually-hidden {
    position: absolute !important;
    width: 1px;
    height: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
    border: 0;
  }
  @media (prefers-reduced-motion: reduce) {
    * {
      transition-duration: 0.01ms !important;
    }
  }
  @media (forced-colors: active) {
    :focus-visible {
      outline-color: Highlight;
    }
  }
`;

/** Headings, tables, forms, buttons and messages of the console's views. */
export const viewStyles = css`
  h1 {
    margin: 0 0 1rem;
    font-size: 1.6rem;
    line-height: 1.25;
  }
  h1:focus {
    outline: none;
  }
  h2 {
    margin: 2rem 0 0.75rem;
    font-size: 1.25rem;
  }
  h3 {
    margin: 0 0 0.25rem;
    font-size: 1rem;
  }
  table {
    border-collapse: collapse;
    width: 100%;
  }
  caption {
    text-align: start;
    font-weight: 600;
    padding-block: 0.5rem;
  }
  th,
  td {
    padding: 0.5rem 0.75rem;
    border-bottom: 1px solid var(--_border);
    text-align: start;
    vertical-align: top;
  }
  th {
    background: var(--_surface);
  }
  td.number,
  th.number {
    text-align: end;
    font-variant-numeric: tabular-nums;
  }
  .muted {
    color: var(--_muted);
  }
  .overdue {
    color: var(--_danger);
    font-weight: 600;
  }
  dl.facts {
    display: grid;
    grid-template-columns: minmax(8rem, max-content) 1fr;
    gap: 0.25rem 1rem;
    margin: 0;
  }
  dl.facts dt {
    font-weight: 600;
  }
  dl.facts dd {
    margin: 0;
    overflow-wrap: anywhere;
  }
  pre {
    margin: 0.25rem 0 0;
    padding: 0.5rem 0.75rem;
    background: var(--_surface);
    border-radius: var(--_radius);
    white-space: pre-wrap;
    overflow-wrap: anywhere;
    font-size: 0.875rem;
  }
  form {
    display: grid;
    gap: 0.5rem;
    max-width: 36rem;
  }
  label {
    font-weight: 600;
  }
  input,
  textarea,
  select {
    box-sizing: border-box;
    width: 100%;
    min-height: 2.75rem;
    padding: 0.5rem 0.75rem;
    border: 1px solid var(--_muted);
    border-radius: var(--_radius);
    background: var(--_bg);
    color: var(--_text);
    font: inherit;
  }
  textarea {
    min-height: 5rem;
    resize: vertical;
  }
  [aria-invalid='true'] {
    border: 2px solid var(--_danger);
  }
  button,
  a.button {
    box-sizing: border-box;
    display: inline-flex;
    align-items: center;
    justify-self: start;
    min-height: 2.75rem;
    padding: 0.5rem 1.125rem;
    border: 2px solid var(--_accent);
    border-radius: var(--_radius);
    background: var(--_accent);
    color: var(--_on-accent);
    font: inherit;
    font-weight: 600;
    text-decoration: none;
    cursor: pointer;
  }
  button.secondary,
  a.button.secondary {
    background: transparent;
    color: var(--_accent);
  }
  button:disabled {
    cursor: progress;
    opacity: 0.7;
  }
  .error {
    margin: 0;
    color: var(--_danger);
  }
  .status {
    margin: 0.5rem 0;
    padding: 0.5rem 0.75rem;
    border-radius: var(--_radius);
    background: var(--_surface);
  }
  .status:focus {
    outline: var(--_focus);
  }
  /* Empty live regions stay in the accessibility tree (so what appears in them is announced) but take no room. */
  .status:empty {
    margin: 0;
    padding: 0;
  }
`;
