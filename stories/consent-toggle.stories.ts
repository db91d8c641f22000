import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { html } from 'lit';
import '../src/consent/consent-toggle.define.js';
import { until } from './helpers.js';

interface Args {
  lang: 'fi' | 'sv' | 'en';
  purpose: string;
}

const meta: Meta<Args> = {
  title: 'Elements/consent-toggle',
  component: 'consent-toggle',
  args: { lang: 'fi', purpose: 'newsletter' },
  argTypes: {
    lang: { control: 'inline-radio', options: ['fi', 'sv', 'en'] },
    purpose: { control: 'select', options: ['newsletter', 'blog', 'events'] },
  },
  render: ({ lang, purpose }) => html`<consent-toggle lang=${lang} purpose=${purpose}></consent-toggle>`,
};
export default meta;
type Story = StoryObj<Args>;

export const Off: Story = {};
export const Swedish: Story = { args: { lang: 'sv', purpose: 'newsletter' } };
export const English: Story = { args: { lang: 'en', purpose: 'events' } };

/** The info popover: what is sent, how often, the lawful basis, retention and how to withdraw. */
export const InfoOpen: Story = {
  args: { purpose: 'blog' },
  play: async ({ canvasElement }) => {
    const toggle = canvasElement.querySelector('consent-toggle')!;
    const info = await until(() => toggle.shadowRoot?.querySelector<HTMLButtonElement>('.info'));
    info.click();
  },
};
export const InfoOpenSwedish: Story = { ...InfoOpen, args: { lang: 'sv', purpose: 'blog' } };
