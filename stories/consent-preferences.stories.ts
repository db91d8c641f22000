import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { html } from 'lit';
import '../src/consent/consent-preferences.define.js';
import { type, until, useMemoryBackend } from './helpers.js';

interface Args {
  lang: 'fi' | 'sv' | 'en';
  purposes: string;
}

/**
 * The receiver's preference API answered in the page: the link request, the
 * state behind a token and the save. Returns the cleanup Storybook runs after the story.
 */
function usePreferenceApi(): () => void {
  const real = window.fetch;
  window.fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input), location.href);
    if (url.pathname === '/api/preferences/link') return Response.json({ status: 'accepted' }, { status: 202 });
    if (url.pathname === '/api/preferences') {
      return Response.json({
        email: 'maija@example.fi',
        purposes: [
          { purpose: 'newsletter', granted: true },
          { purpose: 'blog', granted: false },
          { purpose: 'events', granted: true },
        ],
      });
    }
    if (url.pathname === '/api/records') return Response.json({ id: 'storybook', receivedAt: new Date().toISOString() }, { status: 201 });
    return real(input, init);
  };
  return () => {
    window.fetch = real;
  };
}

const meta: Meta<Args> = {
  title: 'Elements/consent-preferences',
  component: 'consent-preferences',
  args: { lang: 'fi', purposes: 'newsletter blog events' },
  argTypes: { lang: { control: 'inline-radio', options: ['fi', 'sv', 'en'] } },
  beforeEach: () => (useMemoryBackend(), usePreferenceApi()),
  render: ({ lang, purposes }) => html`<consent-preferences lang=${lang} purposes=${purposes} endpoint="/api/records"></consent-preferences>`,
};
export default meta;
type Story = StoryObj<Args>;

/** Types an address into the link request and sends it. */
async function ask(canvas: HTMLElement, address: string) {
  const el = canvas.querySelector('consent-preferences')!;
  type(await until(() => el.shadowRoot?.querySelector<HTMLInputElement>('#email')), address);
  el.shadowRoot!.querySelector('form')!.requestSubmit();
}

/** Asks for a mailed link: the same answer for any address. */
export const AskForLink: Story = {};
export const AskForLinkSwedish: Story = { args: { lang: 'sv' } };
export const AskForLinkEnglish: Story = { args: { lang: 'en' } };

/** After the request: the link is on its way if the address is known. */
export const LinkAskedSwedish: Story = {
  args: { lang: 'sv' },
  play: ({ canvasElement }) => ask(canvasElement, 'maija@example.fi'),
};

/** An address without @: the error says what an address looks like. */
export const InvalidEmailSwedish: Story = {
  args: { lang: 'sv' },
  play: ({ canvasElement }) => ask(canvasElement, 'maija.example.fi'),
};

/** Opened from the mailed link: the address's current choices, every purpose as a switch. */
export const ChoicesSwedish: Story = {
  args: { lang: 'sv' },
  render: ({ lang, purposes }) =>
    html`<consent-preferences lang=${lang} purposes=${purposes} endpoint="/api/records" .token=${'storybook-token'}></consent-preferences>`,
};
export const Choices: Story = { ...ChoicesSwedish, args: { lang: 'fi' } };
export const ChoicesEnglish: Story = { ...ChoicesSwedish, args: { lang: 'en' } };
