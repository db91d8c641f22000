import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { StorybookConfig } from '@storybook/web-components-vite';
import { mergeConfig } from 'vite';

// The docs read custom-elements.json, which is generated and not committed. npm run build and the
// storybook npm scripts make it; a bare `npx storybook build` makes it here when it is missing.
const root = fileURLToPath(new URL('..', import.meta.url));
if (!existsSync(`${root}/custom-elements.json`)) {
  execFileSync('npx', ['cem', 'analyze', '--config', 'custom-elements-manifest.config.mjs'], { cwd: root, stdio: 'inherit' });
}

const config: StorybookConfig = {
  stories: ['../stories/**/*.mdx', '../stories/**/*.stories.ts'],
  addons: ['@storybook/addon-docs', '@storybook/addon-a11y'],
  framework: { name: '@storybook/web-components-vite', options: {} },
  core: { disableTelemetry: true },
  // Standard decorators must be lowered: no browser runs them natively yet.
  viteFinal: (viteConfig) => mergeConfig(viteConfig, { esbuild: { target: 'es2022' } }),
};
export default config;
