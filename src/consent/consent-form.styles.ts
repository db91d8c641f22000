import { css } from 'lit';

export const styles = css`
  :host {
    display: block;
    max-width: var(--consent-form-max-width, 36rem);
  }
  fieldset {
    margin: 0;
    padding: 0;
    border: 0;
    min-width: 0;
  }
  legend {
    padding: 0;
    font-weight: 600;
    font-size: 1.0625rem;
  }
  .hint,
  .notice-link {
    margin: 0.25rem 0 0.75rem;
    color: var(--_muted);
    font-size: 0.9375rem;
  }
  .memo {
    display: grid;
  }
  .memo > span {
    grid-area: 1 / 1;
  }
  .memo > .off {
    visibility: hidden;
  }
  .hint.review {
    margin: 0.5rem 0 0.75rem;
    color: inherit;
    padding: 0.625rem 0.75rem;
    border-inline-start: 4px solid var(--_accent);
    background: var(--_surface);
  }
  .processing li > span {
    display: block;
  }
  .processing-label {
    font-weight: 600;
  }
  .processing-basis,
  .processing-detail {
    color: var(--_muted);
    font-size: 0.9375rem;
  }
  .field {
    margin-block: 1rem;
  }
  .actions {
    margin-block: 1rem 0.5rem;
  }
  .status {
    margin: 0.25rem 0;
  }
  .status.sent {
    color: var(--_success);
    font-weight: 600;
  }
  .status.rejected,
  .status.misconfigured {
    color: var(--_danger);
  }
`;
