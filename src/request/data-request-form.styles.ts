import { css } from 'lit';

export const styles = css`
  :host {
    display: block;
    max-width: var(--data-request-form-max-width, 40rem);
    scroll-margin-top: var(--data-request-form-scroll-margin, 1rem);
  }
  .title {
    margin: 0 0 0.5rem;
    font-size: 1.375rem;
    line-height: 1.3;
  }
  .intro,
  .help {
    margin: 0 0 0.75rem;
    color: var(--_muted);
  }
  .types {
    margin: 0 0 1rem;
    padding: 0;
    border: 0;
    min-width: 0;
  }
  legend {
    padding: 0;
    margin-bottom: 0.5rem;
    font-weight: 600;
  }
  .type {
    display: grid;
    grid-template-columns: auto 1fr;
    column-gap: 0.625rem;
    align-items: start;
    padding: 0.5rem 0.75rem;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    margin-bottom: 0.375rem;
  }
  .type:has(input:checked) {
    border-color: var(--_accent);
    box-shadow: inset 4px 0 0 var(--_accent);
  }
  .type input {
    width: 1.25rem;
    height: 1.25rem;
    margin: 0.125rem 0 0;
    accent-color: var(--_accent);
  }
  .type label {
    font-weight: 600;
    cursor: pointer;
  }
  .type .help {
    grid-column: 2;
    margin: 0.125rem 0 0;
    font-size: 0.9375rem;
  }
  .field {
    margin-bottom: 1rem;
  }
  .field .help {
    margin: 0;
    font-size: 0.9375rem;
  }
  textarea {
    resize: vertical;
  }
  .counter {
    margin: 0;
    font-size: 0.875rem;
    color: var(--_muted);
    text-align: end;
  }
  .counter.over {
    color: var(--_danger);
    font-weight: 600;
  }
  .honeypot {
    position: absolute;
    left: -10000px;
    width: 1px;
    height: 1px;
    overflow: hidden;
  }
  .confirm {
    padding: 0.5rem 0.75rem;
    border-inline-start: 4px solid var(--_accent);
    background: var(--_surface);
  }
  .status.rejected {
    color: var(--_danger);
  }
  .receipt {
    padding: 1rem;
    border: 2px solid var(--_success);
    border-radius: var(--_radius);
  }
  .receipt-title {
    margin: 0 0 0.5rem;
    font-size: 1.125rem;
  }
  .receipt-title:focus {
    outline: none;
  }
`;
