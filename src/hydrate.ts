// Side-effect module: lets LitElement hydrate Declarative Shadow DOM from
// renderElements() instead of rendering over it. Import it before any element
// (before lit itself): `import '@optimesys/privacy-widgets/hydrate'` first, then the defines.
// The CDN's dist/cdn/hydrate/*.js bundles start with it. Pages without server-rendered
// elements need none of it, so the plain bundles leave it out.
import '@lit-labs/ssr-client/lit-element-hydrate-support.js';
