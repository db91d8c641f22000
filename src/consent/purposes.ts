import { getConfig, type PurposeText } from '../config.js';
import { resourceBundle, type Locale } from '../i18n.js';
import { PURPOSES, type Basis } from '@optimesys/privacy-records/vocabulary';

/** A purpose as the elements show and record it: built-in or added through `configure()`. */
export interface Purpose {
  id: string;
  basis: Basis;
  dpv: string;
  text: PurposeText;
}

/**
 * The purpose in the given language, or undefined when neither the catalogue nor `configure()` knows it,
 * or the site's purpose has no text in that language (a site written before it was offered).
 */
export function findPurpose(id: string, locale: Locale): Purpose | undefined {
  const custom = getConfig().purposes?.[id];
  if (custom) return custom.text[locale] ? { id, basis: custom.basis, dpv: custom.dpv, text: custom.text[locale] } : undefined;
  const builtIn = (PURPOSES as Record<string, { basis: Basis; dpv: string } | undefined>)[id];
  const texts = (resourceBundle(locale, 'consent') as { purposes?: Record<string, PurposeText> } | undefined)
    ?.purposes;
  const text = texts?.[id];
  return builtIn && text ? { id, basis: builtIn.basis, dpv: builtIn.dpv, text } : undefined;
}
