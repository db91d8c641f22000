import { css } from 'lit';

/**
 * Design tokens shared by every element. Each reads a public `--pw-*` custom
 * property with a light/dark default; the element follows the visitor's
 * `prefers-color-scheme` unless the page sets `color-scheme` on it.
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
    --_space: var(--pw-spacing, 1rem);
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
  button {
    font: inherit;
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
    *,
    *::before,
    *::after {
      animation-duration: 0.01ms !important;
      transition-duration: 0.01ms !important;
      scroll-behavior: auto !important;
    }
  }
  @media (forced-colors: active) {
    :focus-visible {
      outline-color: Highlight;
    }
  }
`;
