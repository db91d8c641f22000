import { css } from 'lit';

/** The page frame: header with brand, navigation, account and language switch; the skip link. */
export const styles = css`
  :host {
    max-width: 72rem;
    margin-inline: auto;
    padding: 0 1rem 2rem;
  }
  header {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 0.5rem 1.5rem;
    padding-block: 0.75rem;
    margin-bottom: 1.5rem;
    border-bottom: 1px solid var(--_border);
  }
  .brand {
    margin: 0;
    font-weight: 700;
  }
  nav ul {
    display: flex;
    gap: 1rem;
    margin: 0;
    padding: 0;
    list-style: none;
  }
  nav a[aria-current='page'] {
    font-weight: 700;
    text-decoration-thickness: 0.15em;
  }
  .account {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 0.5rem 1rem;
    margin-inline-start: auto;
  }
  .languages {
    display: flex;
    gap: 0.25rem;
  }
  .languages button {
    min-height: 2.25rem;
    padding: 0.25rem 0.75rem;
  }
  .languages button[aria-pressed='false'] {
    background: transparent;
    color: var(--_accent);
  }
  .skip:not(:focus) {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
  }
  main:focus {
    outline: none;
  }
`;
