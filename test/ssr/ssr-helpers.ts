/** The fragment rendered by renderElements() on the test server (test/helpers/test-endpoints.mjs). */
export async function serverRender(fragment: string, lang = 'fi', extra = ''): Promise<string> {
  const response = await fetch(`/test-api/ssr?lang=${lang}&html=${encodeURIComponent(fragment)}${extra}`);
  if (!response.ok) throw new Error(`SSR answered ${String(response.status)}`);
  return response.text();
}

/** Parses server HTML with its Declarative Shadow DOM into a detached container (nothing upgrades or connects yet). */
export function parse(serverHtml: string): HTMLDivElement {
  const container = document.createElement('div');
  container.setHTMLUnsafe(serverHtml);
  return container;
}

/** Text of a shadow tree, whitespace collapsed; what is hidden by CSS left out (innerText). */
export function visibleText(root: ShadowRoot): string {
  return [...root.children].map((child) => (child as HTMLElement).innerText ?? '').join(' ').replace(/\s+/g, ' ');
}
