import { css, type ReactiveController, type ReactiveControllerHost } from 'lit';

/**
 * Positions a native `popover="auto"` panel next to the button that opens it.
 * The browser gives the panel the top layer, light dismiss (outside click),
 * Escape and `aria-expanded` on the button; floating-ui keeps it on screen
 * (flips and shifts at viewport edges) while it is open.
 */
export class PopoverController implements ReactiveController {
  open = false;
  readonly #host: ReactiveControllerHost & HTMLElement;
  readonly #parts: () => { anchor: HTMLElement | null | undefined; panel: HTMLElement | null | undefined };
  #stop: (() => void) | undefined;

  constructor(
    host: ReactiveControllerHost & HTMLElement,
    parts: () => { anchor: HTMLElement | null | undefined; panel: HTMLElement | null | undefined },
  ) {
    this.#host = host;
    this.#parts = parts;
    host.addController(this);
  }

  hostDisconnected(): void {
    this.#stop?.();
    this.#stop = undefined;
  }

  /** Bind to the panel's `toggle` event. */
  readonly onToggle = (event: Event): void => {
    const { anchor, panel } = this.#parts();
    this.open = (event as ToggleEvent).newState === 'open';
    this.#stop?.();
    this.#stop = undefined;
    if (this.open && anchor && panel) {
      // floating-ui loads with the first panel opened, not with the page; until
      // the panel is placed it stays invisible rather than flash in a corner.
      panel.style.visibility = 'hidden';
      void import('@floating-ui/dom').then((floating) => {
        if (!this.open || this.#stop) return;
        this.#stop = floating.autoUpdate(anchor, panel, () => void this.#place(floating, anchor, panel));
      });
    } else if (!this.open && anchor && panel) {
      // Escape or a click on nothing in particular leaves focus in the hidden
      // panel or on the page: bring it back to the button that opened it.
      const inPanel = panel.matches(':focus-within') || this.#host.shadowRoot?.activeElement === panel;
      const onNothing = !document.activeElement || document.activeElement === document.body;
      if (inPanel || onNothing) anchor.focus();
    }
    this.#host.requestUpdate();
  };

  async #place(floating: typeof import('@floating-ui/dom'), anchor: HTMLElement, panel: HTMLElement): Promise<void> {
    const { computePosition, flip, offset, shift, size } = floating;
    const { x, y } = await computePosition(anchor, panel, {
      strategy: 'fixed',
      placement: 'bottom-start',
      middleware: [
        offset(6),
        flip({ padding: 8 }),
        shift({ padding: 8 }),
        // Neither side may have room on a small screen: the panel then scrolls within what there is.
        size({
          padding: 8,
          apply({ availableHeight, elements }) {
            elements.floating.style.maxHeight = `${String(Math.max(96, Math.floor(availableHeight)))}px`;
          },
        }),
      ],
    });
    panel.style.left = `${String(x)}px`;
    panel.style.top = `${String(y)}px`;
    panel.style.visibility = '';
  }
}

export const popoverStyles = css`
  [popover] {
    position: fixed;
    inset: auto;
    margin: 0;
    box-sizing: border-box;
    width: max-content;
    max-width: min(22rem, calc(100vw - 16px));
    max-height: calc(100vh - 16px);
    overflow: auto;
    padding: 0.875rem 1rem;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_bg);
    color: var(--_text);
    box-shadow: 0 6px 24px rgb(0 0 0 / 0.18);
    font: inherit;
    line-height: 1.5;
  }
`;
