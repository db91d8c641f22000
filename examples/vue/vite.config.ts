// With Vite and @vitejs/plugin-vue: tell the template compiler which tags are custom elements.
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';
import { isCustomElement } from './custom-elements';

export default defineConfig({
  plugins: [vue({ template: { compilerOptions: { isCustomElement } } })],
});
