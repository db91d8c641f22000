// Node only: `@optimesys/privacy-widgets/ssr`. Fills the package's tags in a
// page fragment with Declarative Shadow DOM, rendered by lit SSR from the same
// elements the browser runs; the browser bundles hydrate what it renders.
import { html, LitElementRenderer, render } from '@lit-labs/ssr';
import { collectResultSync } from '@lit-labs/ssr/lib/render-result.js';
import { ConsentForm } from '../consent/consent-form.js';
import { ConsentToggle } from '../consent/consent-toggle.js';
import { LOCALES, loadNamespaces, resolveLocale, whenI18next, type Locale } from '../i18n.js';
import { PrivacyNotice } from '../notice/privacy-notice.js';
import { DataRequestForm } from '../request/data-request-form.js';
import { defineElement } from '../ui/define.js';
import { setServerLocale } from '../ui/locale-controller.js';

export interface RenderElementsOptions {
  /**
   * Language of elements without their own `lang` attribute. Default: the
   * fragment's `<html lang>`, else Finnish. Give the page's language: the
   * browser hydrates in the language rendered, then follows the page's `lang`.
   */
  lang?: Locale | string;
  /**
   * How each shadow root gets its styles. Default: a `<style>` element inside
   * it, which a Content-Security-Policy without `'unsafe-inline'` for styles
   * blocks. Give a function that returns the URL of the tag's stylesheet
   * (`dist/cdn/styles/<tag>.css`, served from your origin) and each shadow root
   * links it instead: `style-src 'self'` allows that.
   */
  stylesheet?: (tag: string) => string;
}

/** The tags this renderer fills. */
export const TAGS = ['privacy-notice', 'consent-form', 'consent-toggle', 'data-request-form'] as const;

defineElement('privacy-notice', PrivacyNotice);
defineElement('consent-toggle', ConsentToggle);
defineElement('consent-form', ConsentForm);
defineElement('data-request-form', DataRequestForm);

let ready: Promise<void> | undefined;
/** Every language and namespace, once per process. */
function loadStrings(): Promise<void> {
  return (ready ??= Promise.all(
    LOCALES.map((locale) => loadNamespaces(locale, ['ui', 'notice', 'consent', 'request'])),
  ).then(() => whenI18next().then(() => undefined)));
}

let linkTo: ((tag: string) => string) | undefined;
const escapeAttribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** lit's renderer, with the styles linked instead of inlined when asked. */
class StyledRenderer extends LitElementRenderer {
  override renderShadow(renderInfo: Parameters<LitElementRenderer['renderShadow']>[0]) {
    const result = super.renderShadow(renderInfo);
    if (!linkTo || !result) return result;
    const end = (result as unknown[]).indexOf('</style>');
    if ((result as unknown[])[0] !== '<style>' || end < 0) return result;
    const link = `<link rel="stylesheet" href="${escapeAttribute(linkTo(this.tagName))}">`;
    return [link, ...(result as unknown[]).slice(end + 1)] as typeof result;
  }
}

// A `<consent-form>` inside a host `<form>` renders differently once the browser
// associates it with that form; the server cannot see that, so it leaves those
// to the browser: renamed while lit renders (a tag without a dash is not an element to it).
const CLIENT_ONLY = 'privacywidgetsclientonlyconsentform';

/** Hides each `<consent-form>` that sits inside a `<form>` of the fragment from the renderer. */
function hideEmbedded(fragment: string): string {
  let depth = 0;
  return fragment.replace(/<(\/?)(form|consent-form)(?=[\s/>])/gi, (tag, close: string, name: string) => {
    if (name.toLowerCase() === 'form') depth = Math.max(0, depth + (close ? -1 : 1));
    else if (depth > 0) return `<${close}${CLIENT_ONLY}`;
    return tag;
  });
}

/**
 * Returns `fragment` with the Declarative Shadow DOM (`<template
 * shadowrootmode="open">`) of every `<privacy-notice>`, `<consent-form>`,
 * `<consent-toggle>` and `<data-request-form>` in it filled in, from their
 * attributes. Everything else is returned as it was. The page must load a
 * hydrating bundle (`dist/cdn/hydrate/*.js`, or `@optimesys/privacy-widgets/hydrate` imported
 * before the elements), which hydrates them after the page's first paint (they carry `defer-hydration` until then).
 */
export async function renderElements(fragment: string, options: RenderElementsOptions = {}): Promise<string> {
  await loadStrings();
  const pageLang = /<html\b[^>]*\blang=["']?([\w-]+)/i.exec(fragment)?.[1];
  const hidden = hideEmbedded(fragment);
  const strings = Object.assign([hidden], { raw: [hidden] }) as unknown as TemplateStringsArray;
  // Rendering is synchronous from here: no other call can change these meanwhile.
  setServerLocale(resolveLocale(options.lang, pageLang));
  linkTo = options.stylesheet;
  try {
    // defer-hydration: the page paints the server's HTML before hydrating (src/hydrate.ts lifts it after the first paint)
    return collectResultSync(render(html(strings), { elementRenderers: [StyledRenderer], deferHydration: true })).replaceAll(CLIENT_ONLY, 'consent-form');
  } finally {
    linkTo = undefined;
  }
}
