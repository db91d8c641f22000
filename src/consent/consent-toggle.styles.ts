import { css } from 'lit';

export const styles = css`
  :host {
    display: block;
  }
  .row {
    display: flex;
    align-items: flex-start;
    gap: 0.5rem;
  }
  .switch {
    display: flex;
    flex: 0 1 auto;
    min-width: 0;
    align-items: flex-start;
    gap: 0.75rem;
    min-height: 2.75rem;
    padding-block: 0.5rem;
    cursor: pointer;
  }
  :host([disabled]) .switch {
    cursor: not-allowed;
    opacity: 0.6;
  }
  .track {
    position: relative;
    flex: none;
    width: 2.75rem;
    height: 1.5rem;
    border: 2px solid var(--_muted);
    border-radius: 999px;
    background: var(--consent-toggle-track-off, var(--_bg));
    transition: background-color 120ms ease, border-color 120ms ease;
  }
  .thumb {
    position: absolute;
    top: 2px;
    left: 2px;
    width: 1rem;
    height: 1rem;
    border-radius: 50%;
    background: var(--_muted);
    transition: transform 120ms ease;
  }
  input:checked + .track {
    border-color: var(--consent-toggle-track-on, var(--_accent));
    background: var(--consent-toggle-track-on, var(--_accent));
  }
  input:checked + .track .thumb {
    transform: translateX(1.25rem);
    background: var(--_on-accent);
  }
  input:focus-visible + .track {
    outline: var(--_focus);
    outline-offset: 2px;
  }
  .label {
    padding-top: 0.0625rem;
    min-width: 0;
    overflow-wrap: anywhere;
  }
  .info {
    flex: none;
    display: inline-grid;
    place-items: center;
    width: 2.75rem;
    height: 2.75rem;
    padding: 0;
    border: 0;
    border-radius: 50%;
    background: transparent;
    color: var(--_accent);
    cursor: pointer;
  }
  .info:hover {
    background: var(--_surface);
  }
  .details-title {
    margin: 0 0 0.5rem;
    font-weight: 600;
  }
  [popover]:focus {
    outline: none;
  }
  [popover]:focus-visible {
    outline: var(--_focus);
  }
  dl {
    margin: 0;
  }
  dt {
    font-weight: 600;
    font-size: 0.875rem;
    color: var(--_muted);
  }
  dd {
    margin: 0 0 0.5rem;
  }
  .close {
    min-height: 2.25rem;
    padding: 0.25rem 0.875rem;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_surface);
    color: var(--_text);
    cursor: pointer;
  }
  @media (forced-colors: active) {
    .track,
    .thumb {
      border: 2px solid CanvasText;
    }
    input:checked + .track .thumb {
      background: Highlight;
    }
  }
`;
