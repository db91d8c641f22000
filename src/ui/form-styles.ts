import { css } from 'lit';

/** Text fields, buttons and messages shared by the consent and request forms. */
export const formStyles = css`
  .field {
    display: grid;
    gap: 0.25rem;
  }
  .field label {
    font-weight: 600;
  }
  input[type='text'],
  input[type='email'],
  input[type='tel'],
  textarea {
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
  [aria-invalid='true'] {
    border: 2px solid var(--_danger);
  }
  .error {
    margin: 0;
    color: var(--_danger);
  }
  button {
    min-height: 2.75rem;
    padding: 0.5rem 1.125rem;
    border: 2px solid var(--_accent);
    border-radius: var(--_radius);
    background: var(--_accent);
    color: var(--_on-accent);
    font-weight: 600;
    cursor: pointer;
  }
  button.secondary {
    background: transparent;
    color: var(--_accent);
  }
  button:disabled {
    cursor: progress;
    opacity: 0.7;
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 0.75rem;
  }
  /* A box of information beside the form (processing on other bases, what the controller promises). */
  .info-box {
    margin-block: 1rem;
    padding: 0.75rem 1rem;
    border-radius: var(--_radius);
    background: var(--_surface);
  }
  .info-box-title {
    margin: 0 0 0.25rem;
    font-weight: 600;
  }
  .info-box ul {
    margin: 0;
    padding-inline-start: 1.25rem;
  }
  /* Empty live regions stay in the accessibility tree (so what appears in them is announced) but take no room. */
  .status:empty {
    margin: 0;
    padding: 0;
  }
`;
