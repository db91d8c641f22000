import { waitUntil } from '@open-wc/testing';

/** Waits until an element's shadow root has rendered something matching `selector`. */
export async function rendered<T extends Element>(el: Element, selector: string): Promise<T> {
  await waitUntil(() => el.shadowRoot?.querySelector(selector), `${el.localName} never rendered ${selector}`, {
    timeout: 5000,
  });
  return el.shadowRoot!.querySelector<T>(selector)!;
}

/** Records the events of the given types that reach `target`. */
export function recordEvents(target: EventTarget, types: string[]): Event[] {
  const seen: Event[] = [];
  for (const type of types) target.addEventListener(type, (event) => seen.push(event));
  return seen;
}

/** Collects console.error calls until `restore()`. */
export function captureConsoleErrors(): { messages: string[]; restore: () => void } {
  const original = console.error;
  const messages: string[] = [];
  console.error = (...args: unknown[]) => messages.push(args.map(String).join(' '));
  return { messages, restore: () => (console.error = original) };
}

/** A short name for the focused element (comparing elements themselves makes chai print whole DOM trees). */
export function focused(): string {
  const el = deepActiveElement();
  if (!el) return 'nothing';
  return [el.localName, el.id && `#${el.id}`, el.classList.length ? `.${[...el.classList].join('.')}` : ''].join('');
}

/** The element that has focus, looking through shadow roots. */
export function deepActiveElement(): Element | null {
  let active = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active;
}
