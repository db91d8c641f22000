// Side-effect module: lets LitElement hydrate Declarative Shadow DOM from
// renderElements() instead of rendering over it. Import it before any element
// (before lit itself): `import '@optimesys/privacy-widgets/hydrate'` first, then the defines.
// The CDN's dist/cdn/hydrate/*.js bundles start with it. Pages without server-rendered
// elements need none of it, so the plain bundles leave it out.
import '@lit-labs/ssr-client/lit-element-hydrate-support.js';

const DEFERRED = ['privacy-notice', 'consent-form', 'consent-toggle', 'data-request-form']
  .map((tag) => `${tag}[defer-hydration]`)
  .join(',');

/**
 * Hydrates the server-rendered elements under `root`. renderElements() marks
 * them `defer-hydration` so the browser paints the server's HTML before any
 * hydration work; this module calls it once for the page after its first paint.
 * Call it yourself for server HTML you insert later.
 */
export function hydrateElements(root: ParentNode = document): void {
  for (const element of root.querySelectorAll(DEFERRED)) element.removeAttribute('defer-hydration');
}

if (typeof document !== 'undefined') requestAnimationFrame(() => setTimeout(() => hydrateElements()));
