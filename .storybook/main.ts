import type { StorybookConfig } from '@storybook/web-components-vite';
import { mergeConfig } from 'vite';

const config: StorybookConfig = {
  stories: ['../stories/**/*.mdx', '../stories/**/*.stories.ts'],
  addons: ['@storybook/addon-docs', '@storybook/addon-a11y'],
  framework: { name: '@storybook/web-components-vite', options: {} },
  core: { disableTelemetry: true },
  // Standard decorators must be lowered: no browser runs them natively yet.
  viteFinal: (viteConfig) => mergeConfig(viteConfig, { esbuild: { target: 'es2022' } }),
};
export default config;
