import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { html } from 'lit';
import '../src/notice/privacy-notice.define.js';

interface Args {
  lang: 'fi' | 'sv' | 'en';
  headingLevel: number;
  requestHref: string;
}

const meta: Meta<Args> = {
  title: 'Elements/privacy-notice',
  component: 'privacy-notice',
  args: { lang: 'fi', headingLevel: 2, requestHref: '#data-request' },
  argTypes: {
    lang: { control: 'inline-radio', options: ['fi', 'sv', 'en'] },
    headingLevel: { control: { type: 'number', min: 1, max: 5 } },
  },
  render: ({ lang, headingLevel, requestHref }) =>
    html`<privacy-notice lang=${lang} heading-level=${headingLevel} request-href=${requestHref}></privacy-notice>`,
};
export default meta;
type Story = StoryObj<Args>;

export const Finnish: Story = {};

export const Swedish: Story = { args: { lang: 'sv' } };

export const English: Story = { args: { lang: 'en' } };

/** The element follows `prefers-color-scheme`; a page can force either scheme with `color-scheme`. */
export const Dark: Story = {
  render: ({ lang }) =>
    html`<div style="background: #16191d; padding: 1rem">
      <privacy-notice lang=${lang} style="color-scheme: dark"></privacy-notice>
    </div>`,
};

/** Custom properties and parts re-theme the notice without touching its markup. */
export const Themed: Story = {
  args: { lang: 'en' },
  render: ({ lang }) =>
    html`<style>
        .themed {
          --pw-font-family: Georgia, serif;
          --pw-color-accent: #7a1f5c;
          --pw-color-surface: #f7eef4;
          --privacy-notice-max-width: 40rem;
        }
        .themed::part(section-heading) {
          border-block-end: 2px solid #7a1f5c;
        }
      </style>
      <privacy-notice class="themed" lang=${lang}></privacy-notice>`,
};

const customNotice = {
  version: '2026-01',
  lang: 'en',
  title: 'Example Ltd privacy notice',
  updated: '2026-01-15',
  sections: [
    {
      id: 'controller',
      heading: 'Controller',
      blocks: [
        { type: 'paragraph', text: 'Example Ltd is the controller of the customer register.' },
        {
          type: 'details',
          items: [
            { term: 'E-mail', value: 'privacy@example.com' },
            { term: 'Phone', value: '+358 40 000 0000' },
          ],
        },
      ],
    },
    {
      id: 'rights',
      heading: 'Your rights',
      blocks: [
        { type: 'list', items: ['Access', 'Rectification', 'Erasure'] },
        { type: 'request-link', text: 'Send a request' },
      ],
    },
  ],
};

/** Another controller's document passed through the `notice` property. */
export const CustomDocument: Story = {
  args: { lang: 'en' },
  render: ({ lang }) => html`<privacy-notice lang=${lang} .notice=${customNotice}></privacy-notice>`,
};

/** A document that fails the schema: a readable error, never a blank box. */
export const InvalidDocument: Story = {
  args: { lang: 'en' },
  render: ({ lang }) =>
    html`<privacy-notice
      lang=${lang}
      .notice=${{ ...customNotice, updated: 'last spring', sections: [{ id: 'Not An Id', heading: '', blocks: [] }] }}
    ></privacy-notice>`,
};
