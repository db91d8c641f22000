// Custom Elements Manifest from the elements' JSDoc headers (`npm run manifest`).

/** Attributes the elements observe only to refuse or follow them, and events the analyzer could not name. */
function tidy() {
  const refused = new Set(['required', 'checked']);
  return {
    name: 'privacy-widgets-tidy',
    packageLinkPhase({ customElementsManifest }) {
      for (const mod of customElementsManifest.modules) {
        for (const decl of mod.declarations ?? []) {
          if (!decl.customElement) continue;
          decl.attributes = (decl.attributes ?? []).filter((a) => !refused.has(a.name));
          decl.events = (decl.events ?? []).filter((e) => e.name);
          for (const a of decl.attributes) {
            if (a.name === 'lang' && !a.description) {
              a.description = '`fi` or `en`; without it the nearest ancestor\'s or the page\'s `lang`, then `fi`.';
            }
          }
        }
      }
    },
  };
}

export default {
  globs: ['src/notice/privacy-notice.ts', 'src/consent/consent-toggle.ts', 'src/consent/consent-form.ts', 'src/consent/consent-preferences.ts', 'src/request/data-request-form.ts'],
  outdir: '.',
  litelement: true,
  dependencies: false,
  packagejson: true,
  plugins: [tidy()],
};
