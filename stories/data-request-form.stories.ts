import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { html } from 'lit';
import '../src/request/data-request-form.define.js';
import { type, until, useMemoryBackend, useSilentBackend } from './helpers.js';

interface Args {
  lang: 'fi' | 'sv' | 'en';
  requestType: string;
}

const meta: Meta<Args> = {
  title: 'Elements/data-request-form',
  component: 'data-request-form',
  args: { lang: 'fi', requestType: '' },
  argTypes: {
    lang: { control: 'inline-radio', options: ['fi', 'sv', 'en'] },
    requestType: {
      control: 'select',
      options: ['', 'access', 'rectification', 'erasure', 'restriction', 'objection', 'portability', 'withdraw-consent'],
    },
  },
  beforeEach: () => void useMemoryBackend(),
  render: ({ lang, requestType }) =>
    html`<data-request-form lang=${lang} request-type=${requestType} min-fill-ms="0"></data-request-form>`,
};
export default meta;
type Story = StoryObj<Args>;

const form = (canvas: HTMLElement) => canvas.querySelector('data-request-form')!;
const field = (canvas: HTMLElement, name: string) =>
  until(() => form(canvas).shadowRoot?.querySelector<HTMLInputElement & HTMLTextAreaElement>(`[name="${name}"]`));
const send = (canvas: HTMLElement) => form(canvas).shadowRoot!.querySelector('form')!.requestSubmit();

/** Fills a valid request and sends it. */
async function fillAndSend(canvas: HTMLElement) {
  type(await field(canvas, 'name'), 'Maija Meikäläinen');
  type(await field(canvas, 'email'), 'maija@example.fi');
  const details = { fi: 'Titteli on väärin: oikea on CTO.', sv: 'Titeln är fel: den rätta är CTO.', en: 'The title is wrong: the right one is CTO.' };
  if (form(canvas).requestType === 'rectification') type(await field(canvas, 'details'), details[form(canvas).lang as keyof typeof details] ?? details.fi);
  send(canvas);
}

export const Empty: Story = {};
export const EmptySwedish: Story = { args: { lang: 'sv' } };
export const EmptyEnglish: Story = { args: { lang: 'en' } };

// One story per request type, preselected as a deep link would.
export const Access: Story = { args: { requestType: 'access' } };
export const Rectification: Story = { args: { requestType: 'rectification' } };
export const Erasure: Story = { args: { requestType: 'erasure' } };
export const Restriction: Story = { args: { requestType: 'restriction' } };
export const Objection: Story = { args: { requestType: 'objection', lang: 'en' } };
export const Portability: Story = { args: { requestType: 'portability' } };
export const WithdrawConsent: Story = { args: { requestType: 'withdraw-consent', lang: 'en' } };

/** Nothing filled in: each field says what it needs. */
export const ErrorsRequired: Story = { play: async ({ canvasElement }) => (await field(canvasElement, 'name'), send(canvasElement)) };
export const ErrorsRequiredSwedish: Story = { ...ErrorsRequired, args: { lang: 'sv' } };
export const ErrorsRequiredEnglish: Story = { ...ErrorsRequired, args: { lang: 'en' } };

/** A malformed address, a name with a control character, and details over the limit. */
export const ErrorsInvalid: Story = {
  args: { requestType: 'erasure' },
  play: async ({ canvasElement }) => {
    type(await field(canvasElement, 'name'), 'Maija\u0007 Meikäläinen');
    type(await field(canvasElement, 'email'), 'maija(at)example.fi');
    type(await field(canvasElement, 'phone'), '040 / 123');
    type(await field(canvasElement, 'details'), 'x'.repeat(4010));
    send(canvasElement);
  },
};
export const ErrorsInvalidSwedish: Story = { ...ErrorsInvalid, args: { requestType: 'erasure', lang: 'sv' } };
export const ErrorsInvalidEnglish: Story = { ...ErrorsInvalid, args: { requestType: 'erasure', lang: 'en' } };

/** A rectification must say what is wrong and what is right. */
export const ErrorsRectificationDetails: Story = {
  args: { requestType: 'rectification' },
  play: async ({ canvasElement }) => {
    type(await field(canvasElement, 'name'), 'Maija Meikäläinen');
    type(await field(canvasElement, 'email'), 'maija@example.fi');
    send(canvasElement);
  },
};

export const Sending: Story = {
  args: { requestType: 'access' },
  beforeEach: () => useSilentBackend(),
  play: async ({ canvasElement }) => fillAndSend(canvasElement),
};

/** The reference, the date the answer is due, and the receipt to save. */
export const SentWithReceipt: Story = {
  args: { requestType: 'access' },
  play: async ({ canvasElement }) => fillAndSend(canvasElement),
};
export const SentWithReceiptSwedish: Story = { ...SentWithReceipt, args: { requestType: 'rectification', lang: 'sv' } };
export const SentWithReceiptEnglish: Story = { ...SentWithReceipt, args: { requestType: 'portability', lang: 'en' } };

/** Offline or a server error: kept in this browser and sent later, the form as typed. */
export const QueuedOffline: Story = {
  args: { requestType: 'objection' },
  beforeEach: () => void useMemoryBackend((a) => a.failNext(1000, 503)),
  play: async ({ canvasElement }) => fillAndSend(canvasElement),
};
export const QueuedOfflineEnglish: Story = { ...QueuedOffline, args: { requestType: 'objection', lang: 'en' } };

export const Rejected: Story = {
  args: { requestType: 'erasure', lang: 'en' },
  beforeEach: () => void useMemoryBackend((a) => a.rejectNext(1)),
  play: async ({ canvasElement }) => fillAndSend(canvasElement),
};
