// Server-rendered elements hydrated by the browser bundle's code: the hydration
// support loads before lit, as in dist/cdn/hydrate/*.js. Server HTML inserted
// after the page loaded is hydrated with hydrateElements().
import { hydrateElements } from '../../src/hydrate.js';
import { expect, waitUntil } from '@open-wc/testing';
import '../../src/define.js';
import type { ConsentToggle } from '../../src/consent/consent-toggle.js';
import { noticeRef } from '../../src/notice/notice-ref.js';
import { openDb } from '../../src/outbox/idb.js';
import { parse, serverRender } from './ssr-helpers.js';

/** A first visit: no choices remembered by an earlier test file on this origin (IndexedDB outlives pages). */
async function firstVisit() {
  const db = await openDb();
  await db.delete('choices', 'consent');
  db.close();
}

/** Console errors, uncaught errors and rejections while `run` goes on. */
async function collectErrors(run: () => Promise<void>): Promise<string[]> {
  const errors: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => errors.push(args.map(String).join(' '));
  const onError = (event: ErrorEvent) => errors.push(String(event.error ?? event.message));
  const onRejection = (event: PromiseRejectionEvent) => errors.push(String(event.reason));
  window.addEventListener('error', onError);
  window.addEventListener('unhandledrejection', onRejection);
  try {
    await run();
    await new Promise((resolve) => setTimeout(resolve, 100));
  } finally {
    console.error = original;
    window.removeEventListener('error', onError);
    window.removeEventListener('unhandledrejection', onRejection);
  }
  return errors;
}

/** Sums layout shifts while `run` goes on (Chromium; Firefox has no layout-shift entries). */
async function layoutShift(run: () => Promise<void>): Promise<number | undefined> {
  if (!PerformanceObserver.supportedEntryTypes.includes('layout-shift')) {
    await run();
    return undefined;
  }
  let sum = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries() as (PerformanceEntry & { value: number })[]) sum += entry.value;
  });
  observer.observe({ type: 'layout-shift' });
  await run();
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 200)));
  for (const entry of observer.takeRecords() as (PerformanceEntry & { value: number })[]) sum += entry.value;
  observer.disconnect();
  return sum;
}

const hydrated = (el: Element) => waitUntil(() => (el as HTMLElement & { hasUpdated?: boolean }).hasUpdated, `${el.localName} did not hydrate`, { timeout: 5000 });

describe('hydrating server-rendered elements', () => {
  let container: HTMLDivElement;
  afterEach(() => container?.remove());

  it('the notice hydrates in place: same nodes, no errors, no layout shift, and the language switch works', async () => {
    container = parse(await serverRender('<privacy-notice></privacy-notice>', 'fi'));
    const el = container.querySelector('privacy-notice')!;
    const title = el.shadowRoot!.querySelector('.title')!;
    const rights = el.shadowRoot!.querySelector('#rights')!;
    let shift: number | undefined;
    const errors = await collectErrors(async () => {
      shift = await layoutShift(async () => {
        // in the page already, before the element's code ran, as a parser would have left it
        container.lang = 'fi';
        document.body.append(container);
        expect(el.hasAttribute('defer-hydration'), 'waits for hydrateElements').to.equal(true);
        hydrateElements(container);
        await hydrated(el);
      });
    });
    expect(errors).to.deep.equal([]);
    if (shift !== undefined) expect(shift, 'layout shift while hydrating').to.equal(0);
    expect(el.shadowRoot!.querySelector('.title'), 'not rendered again from scratch').to.equal(title);
    expect(el.shadowRoot!.querySelector('#rights')).to.equal(rights);
    expect(el.shadowRoot!.querySelectorAll('section')).to.have.length(13);
    expect(el.shadowRoot!.querySelectorAll('article')).to.have.length(1);
    // The language switch, now live
    const english = el.shadowRoot!.querySelector<HTMLButtonElement>('button[lang="en"]')!;
    expect(getComputedStyle(english.parentElement!).visibility).to.equal('visible');
    english.click();
    await waitUntil(() => el.shadowRoot!.querySelector('article')?.getAttribute('lang') === 'en', 'did not switch to English', { timeout: 5000 });
    expect(el.shadowRoot!.querySelector('.title')!.textContent!.trim()).to.equal('Privacy notice');
    expect(el.shadowRoot!.querySelectorAll('article')).to.have.length(1);
  });

  it('the consent form hydrates with its toggles; they switch and the form knows', async () => {
    await firstVisit();
    container = parse(await serverRender('<consent-form purposes="newsletter blog events" endpoint="/nowhere"></consent-form>', 'en'));
    const form = container.querySelector('consent-form')!;
    const firstToggle = form.shadowRoot!.querySelector('consent-toggle')!;
    const firstSwitch = firstToggle.shadowRoot!.querySelector('input')!;
    let shift: number | undefined;
    const errors = await collectErrors(async () => {
      shift = await layoutShift(async () => {
        container.lang = 'en';
        document.body.append(container);
        hydrateElements(container);
        await hydrated(form);
        for (const toggle of form.shadowRoot!.querySelectorAll('consent-toggle')) await hydrated(toggle);
      });
    });
    expect(errors).to.deep.equal([]);
    if (shift !== undefined) expect(shift, 'layout shift while hydrating').to.equal(0);
    const toggles = [...form.shadowRoot!.querySelectorAll<ConsentToggle>('consent-toggle')];
    expect(toggles[0]).to.equal(firstToggle);
    expect(toggles[0]!.shadowRoot!.querySelector('input')).to.equal(firstSwitch);
    expect(toggles.map((t) => t.hasAttribute('defer-hydration'))).to.deep.equal([false, false, false]);
    const changes: unknown[] = [];
    form.addEventListener('consent-change', (e) => changes.push((e as CustomEvent).detail));
    firstSwitch.click();
    expect(toggles[0]!.checked).to.equal(true);
    expect(changes).to.deep.equal([{ purpose: 'newsletter', granted: true }]);
    firstSwitch.click();
    expect(toggles[0]!.checked).to.equal(false);
    expect(firstSwitch.checked).to.equal(false);
    // The info popover opens from a hydrated toggle
    toggles[1]!.shadowRoot!.querySelector<HTMLButtonElement>('.info')!.click();
    await waitUntil(() => toggles[1]!.shadowRoot!.querySelector('[popover]')!.matches(':popover-open'), 'popover did not open');
  });

  it('a returning visitor: the remembered choices arrive after hydrating without moving anything', async () => {
    const db = await openDb();
    await db.put(
      'choices',
      {
        email: 'palaava@example.fi',
        decisions: { newsletter: { granted: true, recordId: '6d3c1f4e-0000-4000-8000-000000000001', issuedAt: '2026-11-02T08:00:00.000Z' } },
        notice: await noticeRef('fi'),
      },
      'consent',
    );
    db.close();
    container = parse(await serverRender('<consent-form purposes="newsletter blog events" endpoint="/nowhere"></consent-form>', 'fi'));
    const form = container.querySelector('consent-form')!;
    let shift: number | undefined;
    const errors = await collectErrors(async () => {
      shift = await layoutShift(async () => {
        container.lang = 'fi';
        document.body.append(container);
        hydrateElements(container);
        await hydrated(form);
        await waitUntil(() => form.shadowRoot!.querySelector('.returning'), 'the remembered choices were not shown', { timeout: 5000 });
        const first = form.shadowRoot!.querySelector<ConsentToggle>('consent-toggle')!;
        await waitUntil(() => first.checked, 'the remembered grant was not shown');
      });
    });
    expect(errors).to.deep.equal([]);
    expect(form.shadowRoot!.querySelector('.returning')!.textContent).to.include('2.11.2026');
    if (shift !== undefined) expect(shift, 'layout shift when the remembered choices arrive').to.equal(0);
    await firstVisit();
  });

  it('the request form hydrates and takes input; no request type is preselected', async () => {
    container = parse(await serverRender('<data-request-form endpoint="/nowhere"></data-request-form>', 'fi'));
    const el = container.querySelector('data-request-form')!;
    const errors = await collectErrors(async () => {
      document.body.append(container);
      hydrateElements(container);
      await hydrated(el);
    });
    expect(errors).to.deep.equal([]);
    const radios = [...el.shadowRoot!.querySelectorAll<HTMLInputElement>('input[name="requestType"]')];
    expect(radios.filter((r) => r.checked)).to.have.length(0);
    radios[2]!.click();
    expect(radios.filter((r) => r.checked).map((r) => r.value)).to.deep.equal(['erasure']);
  });

  it('a consent form inside a host form is left to the browser and renders there', async () => {
    const html = await serverRender('<form><input name="email" type="email"><consent-form purposes="newsletter"></consent-form></form>', 'fi');
    expect(html).to.not.include('shadowrootmode');
    container = parse(html);
    const errors = await collectErrors(async () => {
      document.body.append(container);
      const el = container.querySelector('consent-form')!;
      await waitUntil(() => el.shadowRoot?.querySelector('consent-toggle'), 'did not render', { timeout: 5000 });
      expect(el.shadowRoot!.querySelector('form'), 'embedded: no form of its own').to.equal(null);
    });
    expect(errors).to.deep.equal([]);
  });
});
