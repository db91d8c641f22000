import { css } from 'lit';

export const styles = css`
  :host {
    display: block;
    max-width: var(--privacy-notice-max-width, 48rem);
    background: var(--_bg);
  }
  article {
    padding: var(--privacy-notice-padding, 0);
  }
  header {
    display: flex;
    flex-wrap: wrap;
    align-items: baseline;
    justify-content: space-between;
    gap: 0.5rem 1.5rem;
    margin-block-end: var(--_space);
  }
  .title {
    margin: 0;
    font-size: var(--privacy-notice-title-size, 2rem);
    line-height: 1.2;
    flex-basis: 100%;
  }
  .updated {
    margin: 0;
    color: var(--_muted);
  }
  .language-switch {
    display: inline-flex;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    overflow: hidden;
  }
  /* Server-rendered without JavaScript the buttons would do nothing: keep their room, show them once defined. */
  :host(:not(:defined)) .language-switch {
    visibility: hidden;
  }
  .language-switch button {
    min-height: 2.75rem;
    min-width: 2.75rem;
    padding: 0.25rem 0.875rem;
    border: 0;
    background: transparent;
    color: var(--_text);
    cursor: pointer;
  }
  .language-switch button + button {
    border-inline-start: 1px solid var(--_border);
  }
  .language-switch button[aria-pressed='true'] {
    background: var(--_accent);
    color: var(--_on-accent);
  }
  .language-switch button:focus-visible {
    outline-offset: -4px;
  }
  nav {
    margin-block: var(--_space);
    padding: 0.75rem 1rem;
    background: var(--_surface);
    border-radius: var(--_radius);
  }
  nav .toc-title {
    margin: 0 0 0.25rem;
    font-size: 1rem;
  }
  nav ol {
    margin: 0;
    padding-inline-start: 1.5rem;
  }
  nav li {
    padding-block: 0.125rem;
  }
  section {
    scroll-margin-top: var(--privacy-notice-scroll-margin, 1rem);
  }
  .section-heading {
    margin: 2rem 0 0.5rem;
    font-size: var(--privacy-notice-heading-size, 1.375rem);
    line-height: 1.3;
  }
  .subheading {
    margin: 1.25rem 0 0.25rem;
    font-size: 1.0625rem;
  }
  .section-heading:focus {
    outline: none;
  }
  .section-heading:focus-visible {
    outline: var(--_focus);
  }
  p,
  ul,
  ol,
  dl {
    margin-block: 0 0.75rem;
  }
  ol.bases {
    list-style: decimal;
  }
  ol.bases ol {
    list-style: lower-alpha;
    margin-block: 0.25rem 0.5rem;
  }
  dl {
    display: grid;
    grid-template-columns: max-content 1fr;
    gap: 0.125rem 1rem;
  }
  dt {
    font-weight: 600;
  }
  dd {
    margin: 0;
  }
  .request-link {
    display: inline-block;
    padding: 0.625rem 1rem;
    border-radius: var(--_radius);
    background: var(--_accent);
    color: var(--_on-accent);
    font-weight: 600;
    text-decoration: none;
  }
  .message {
    padding: 1rem;
    border: 2px solid var(--_danger);
    border-radius: var(--_radius);
  }
  .message ul {
    margin: 0.5rem 0 0;
    font-family: ui-monospace, monospace;
    font-size: 0.875rem;
  }
  @media print {
    :host {
      max-width: none;
      color: #000;
      background: #fff;
      font-size: 11pt;
    }
    .language-switch,
    nav {
      display: none;
    }
    a {
      color: #000;
    }
    a[href^='http']::after {
      content: ' (' attr(href) ')';
    }
    .request-link {
      padding: 0;
      background: none;
      color: #000;
      text-decoration: underline;
    }
    .section-heading,
    .subheading {
      break-after: avoid;
    }
    li,
    dl {
      break-inside: avoid;
    }
  }
`;
