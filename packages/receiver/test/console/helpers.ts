import { fixture, html, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../console/app.js';
import type { ConsoleApi } from '../../console/api.js';
import type { PrivacyConsole } from '../../console/privacy-console.js';

/**
 * Every element matching `selector` under `root`, looking into every open
 * shadow root. `a >> b` is a `b` anywhere inside an `a` (its shadow root included).
 */
export function deepAll<T extends Element = HTMLElement>(root: Element | ShadowRoot | Document, selector: string): T[] {
  const [first, ...rest] = selector.split('>>').map((part) => part.trim());
  const found: Element[] = [];
  const visit = (node: Element | ShadowRoot | Document) => {
    found.push(...node.querySelectorAll(first!));
    for (const el of node.querySelectorAll('*')) if (el.shadowRoot) visit(el.shadowRoot);
  };
  if (root instanceof Element && root.shadowRoot) visit(root.shadowRoot);
  visit(root);
  if (rest.length === 0) return found as T[];
  return [...new Set(found.flatMap((el) => deepAll<T>(el, rest.join(' >> '))))];
}

export function deep<T extends Element = HTMLElement>(root: Element | ShadowRoot | Document, selector: string): T | undefined {
  return deepAll<T>(root, selector)[0];
}

/** Waits until `selector` matches somewhere under `root` (through shadow roots), and returns it. */
export async function waitFor<T extends Element = HTMLElement>(root: Element, selector: string, message?: string): Promise<T> {
  await waitUntil(() => deep(root, selector), message ?? `never rendered ${selector}`, { timeout: 5000 });
  return deep<T>(root, selector)!;
}

/** The text a person sees (and a screen reader reads), through shadow roots, without styles. */
export function deepText(node: Node): string {
  if (node.nodeType === Node.TEXT_NODE) return node.textContent ?? '';
  if (!(node instanceof Element || node instanceof ShadowRoot || node instanceof DocumentFragment)) return '';
  if (node instanceof Element && (node.localName === 'style' || node.localName === 'script')) return '';
  const own = node instanceof Element && node.shadowRoot ? deepText(node.shadowRoot) : '';
  return own + [...node.childNodes].map(deepText).join(' ');
}

/** The element that has focus, looking through shadow roots. */
export function deepActive(): Element | null {
  let active = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active;
}

/** Presses Tab until the focused element matches (a keyboard user's way there), or fails after `max` presses. */
export async function tabTo(matches: (el: Element) => boolean, what: string, max = 40): Promise<Element> {
  for (let i = 0; i < max; i++) {
    await sendKeys({ press: 'Tab' });
    const active = deepActive();
    if (active && matches(active)) return active;
  }
  throw new Error(`Tab never reached ${what}; focus is on ${describe(deepActive())}`);
}

export function describe(el: Element | null): string {
  return el ? `${el.localName}${el.id ? `#${el.id}` : ''}${el.getAttribute('value') ? `[value=${el.getAttribute('value')}]` : ''}` : 'nothing';
}

/** The console with a fake API, at a hash, in a language. */
export async function mountConsole(api: ConsoleApi, { hash = '', lang = 'en' }: { hash?: string; lang?: string } = {}): Promise<PrivacyConsole> {
  history.replaceState(null, '', `${location.pathname}${location.search}${hash}`);
  return fixture<PrivacyConsole>(html`<privacy-console lang=${lang} .api=${api}></privacy-console>`);
}

const title = document.title;
const lang = document.documentElement.lang;
/** Puts back what the console changes outside itself: the hash, the page's title and language, the stored language. */
export function restorePage(): void {
  history.replaceState(null, '', `${location.pathname}${location.search}`);
  document.title = title;
  document.documentElement.lang = lang;
  localStorage.removeItem('privacy-console-locale');
}
