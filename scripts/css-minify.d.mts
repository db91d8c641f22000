export function minifyCss(text: string): string;
export function cssTemplates(): import('rollup').Plugin;
