// The package's public entry points, in one place: the build, the size
// benchmark and the exports test all read this list.
export const elements = [
  { tag: 'privacy-notice', module: 'src/notice/privacy-notice.ts', define: 'src/notice/privacy-notice.define.ts' },
  { tag: 'consent-toggle', module: 'src/consent/consent-toggle.ts', define: 'src/consent/consent-toggle.define.ts' },
  { tag: 'consent-form', module: 'src/consent/consent-form.ts', define: 'src/consent/consent-form.define.ts' },
  { tag: 'consent-preferences', module: 'src/consent/consent-preferences.ts', define: 'src/consent/consent-preferences.define.ts' },
  { tag: 'data-request-form', module: 'src/request/data-request-form.ts', define: 'src/request/data-request-form.define.ts' },
];

/** Node entries: server rendering. */
export const serverEntries = ['src/ssr/index.ts'];

/** Entries of the library build (unbundled ES modules, dependencies external). */
export const libraryEntries = [
  'src/index.ts',
  'src/define.ts',
  'src/react.ts',
  'src/hydrate.ts',
  ...elements.flatMap((element) => [element.module, element.define]),
  ...serverEntries,
];

/** Self-contained module bundles for `<script type="module">`, one per define entry plus all. */
export const cdnEntries = [
  { name: 'define', input: 'src/define.ts' },
  ...elements.map((element) => ({ name: element.tag, input: element.define })),
];

/**
 * The same bundles for pages with server-rendered elements (renderElements):
 * lit's hydration support first, then the entry. dist/cdn/hydrate/<name>.js.
 */
export const hydrateEntries = cdnEntries.map(({ name, input }) => ({ name: `hydrate/${name}`, input, hydrate: true }));
