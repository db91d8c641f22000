import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { html } from 'lit';
import { configure } from '../src/config.js';
import '../src/consent/consent-form.define.js';
import { saveChoices } from '../src/consent/choices.js';
import { createConsentRecord } from '@optimesys/privacy-records/create';
import type { ConsentRecord } from '@optimesys/privacy-records/schemas';
import refs from '../src/notice/notice-refs.json';
import { type, until, useMemoryBackend, useSilentBackend } from './helpers.js';

interface Args {
  lang: 'fi' | 'sv' | 'en';
  purposes: string;
}

const meta: Meta<Args> = {
  title: 'Elements/consent-form',
  component: 'consent-form',
  args: { lang: 'fi', purposes: 'newsletter blog events' },
  argTypes: { lang: { control: 'inline-radio', options: ['fi', 'sv', 'en'] } },
  loaders: [
    async () => {
      configure({ notices: {} });
      await saveChoicesFor(undefined);
      return {};
    },
  ],
  render: ({ lang, purposes }) => html`<consent-form lang=${lang} purposes=${purposes} context="storybook"></consent-form>`,
};
export default meta;
type Story = StoryObj<Args>;

/** Stores (or clears) this browser's remembered choices before the story renders. */
async function saveChoicesFor(digest: string | undefined, granted = ['newsletter']) {
  const { openDb } = await import('../src/outbox/idb.js');
  const db = await openDb();
  await db.delete('choices', 'consent');
  db.close();
  if (!digest) return;
  const record = createConsentRecord({
    subject: { email: 'liisa@example.fi' },
    locale: 'fi',
    notice: { version: '2018-05-24', digest },
    source: { url: 'https://www.optimesys.fi/', element: 'consent-form' },
    decisions: ['newsletter', 'blog', 'events'].map((purpose) => ({
      purpose,
      dpv: 'dpv:DirectMarketing',
      basis: 'consent' as const,
      granted: granted.includes(purpose),
      text: purpose,
    })),
    processing: [],
  });
  await saveChoices({ ...record, signer: { persistent: true } } as ConsentRecord);
}

/** Fills the address, turns on the newsletter and saves. */
async function submit(canvas: HTMLElement) {
  const form = canvas.querySelector('consent-form')!;
  const email = await until(() => form.shadowRoot?.querySelector<HTMLInputElement>('#email'));
  const toggle = await until(() => form.shadowRoot?.querySelector('consent-toggle')?.shadowRoot?.querySelector<HTMLElement>('.label'));
  toggle.click();
  type(email, 'maija@example.fi');
  form.shadowRoot!.querySelector('form')!.requestSubmit();
}

export const Fresh: Story = { beforeEach: () => void useMemoryBackend() };
export const FreshSwedish: Story = { args: { lang: 'sv' }, beforeEach: () => void useMemoryBackend() };
export const FreshEnglish: Story = { args: { lang: 'en' }, beforeEach: () => void useMemoryBackend() };

/** A returning visitor sees their earlier choices and can withdraw them all at once. */
export const Returning: Story = {
  loaders: [async () => (await saveChoicesFor(refs.fi.digest, ['newsletter', 'events']), {})],
  beforeEach: () => void useMemoryBackend(),
};

/** The notice changed since the stored consent: the visitor is asked to review. */
export const ChangedNotice: Story = {
  loaders: [async () => (await saveChoicesFor('0'.repeat(64)), {})],
  beforeEach: () => void useMemoryBackend(),
};

export const Sending: Story = {
  beforeEach: () => useSilentBackend(),
  play: async ({ canvasElement }) => submit(canvasElement),
};

export const Saved: Story = {
  beforeEach: () => void useMemoryBackend(),
  play: async ({ canvasElement }) => submit(canvasElement),
};
export const SavedSwedish: Story = { ...Saved, args: { lang: 'sv' } };

/** Offline: the choice is kept in this browser and sent when the connection returns. */
export const QueuedOffline: Story = {
  beforeEach: () => void useMemoryBackend((a) => a.failNext(1000)),
  play: async ({ canvasElement }) => submit(canvasElement),
};

export const Rejected: Story = {
  args: { lang: 'en' },
  beforeEach: () => void useMemoryBackend((a) => a.rejectNext(1)),
  play: async ({ canvasElement }) => submit(canvasElement),
};

export const InvalidEmail: Story = {
  beforeEach: () => void useMemoryBackend(),
  play: async ({ canvasElement }) => {
    const form = canvasElement.querySelector('consent-form')!;
    const email = await until(() => form.shadowRoot?.querySelector<HTMLInputElement>('#email'));
    type(email, 'maija@@example');
    form.shadowRoot!.querySelector('form')!.requestSubmit();
  },
};
export const InvalidEmailSwedish: Story = { ...InvalidEmail, args: { lang: 'sv' } };

/** A webinar signup page: the page's own form, the element, and nothing else. */
export const WebinarSignup: Story = {
  beforeEach: () => void useMemoryBackend(),
  render: ({ lang }) => html`<form style="display: grid; gap: 0.5rem; max-width: 32rem" @submit=${(e: Event) => e.preventDefault()}>
    <label>Nimi <input name="name" autocomplete="name" /></label>
    <label>Sähköposti <input name="email" type="email" autocomplete="email" /></label>
    <label>Organisaatio <input name="organisation" autocomplete="organization" /></label>
    <consent-form lang=${lang} purposes="newsletter events" processing="event-participation" context="webinar-2026-12-10"></consent-form>
    <button>Ilmoittaudu</button>
  </form>`,
};
