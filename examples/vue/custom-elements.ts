/** The package's tags, for Vue's `compilerOptions.isCustomElement`: Vue then creates them as plain elements. */
export const isCustomElement = (tag: string): boolean =>
  ['privacy-notice', 'consent-toggle', 'consent-form', 'data-request-form'].includes(tag);
