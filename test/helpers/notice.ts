import { fixture, waitUntil } from '@open-wc/testing';
import type { TemplateResult } from 'lit';
import '../../src/notice/privacy-notice.define.js';
import type { PrivacyNotice } from '../../src/notice/privacy-notice.js';

/** Renders a template holding a `<privacy-notice>` and waits until its sections (or an error) show. */
export async function renderNotice(template: TemplateResult): Promise<PrivacyNotice> {
  const root = await fixture<HTMLElement>(template);
  const el = root.localName === 'privacy-notice' ? (root as PrivacyNotice) : root.querySelector('privacy-notice')!;
  await waitUntil(
    () => el.shadowRoot?.querySelector('section, [role="alert"]'),
    'the notice did not render',
    { timeout: 5000 },
  );
  await el.updateComplete;
  return el;
}

export function shadow(el: Element): ShadowRoot {
  if (!el.shadowRoot) throw new Error(`${el.localName} has no shadow root`);
  return el.shadowRoot;
}

export function headings(el: Element): string[] {
  return [...shadow(el).querySelectorAll('section > .section-heading')].map((h) => h.textContent!.trim());
}

/** Visible text of the shadow tree with whitespace collapsed. */
export function text(el: Element): string {
  return (shadow(el).textContent ?? '').replace(/\s+/g, ' ');
}

/** Waits until the notice shows the given language. */
export async function waitForLang(el: PrivacyNotice, lang: string): Promise<void> {
  await waitUntil(() => shadow(el).querySelector('article')?.getAttribute('lang') === lang, `notice never showed ${lang}`, {
    timeout: 5000,
  });
  await el.updateComplete;
}
