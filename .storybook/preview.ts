import { setCustomElementsManifest, type Preview } from '@storybook/web-components-vite';
import customElements from '../custom-elements.json';
import { argTypesFromManifest, controlsForStoryArgsOnly, publicApi } from '../stories/docs/manifest.js';

// Attributes, properties, events, parts and custom properties of every element, from the JSDoc headers.
const manifest = publicApi(customElements);
setCustomElementsManifest(manifest);

const preview: Preview = {
  parameters: {
    a11y: { test: 'error' },
    controls: { expanded: true },
    docs: { extractArgTypes: (tagName: string) => argTypesFromManifest(manifest, tagName) },
  },
  argTypesEnhancers: [controlsForStoryArgsOnly],
};
export default preview;
