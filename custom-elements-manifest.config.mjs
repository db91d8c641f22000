// Custom Elements Manifest from the elements' JSDoc headers (`npm run manifest`).
export default {
  globs: ['src/notice/privacy-notice.ts', 'src/consent/consent-toggle.ts', 'src/consent/consent-form.ts', 'src/request/data-request-form.ts'],
  outdir: '.',
  litelement: true,
  dependencies: false,
  packagejson: true,
};
