// What the docs read from custom-elements.json, and which of its rows get a live control.
import type { Preview } from '@storybook/web-components-vite';

interface Item {
  name: string;
  description?: string;
  type?: { text: string };
  default?: string;
}
interface Member extends Item {
  kind?: string;
  privacy?: string;
  static?: boolean;
}
interface Declaration {
  tagName?: string;
  customElement?: boolean;
  members?: Member[];
  attributes?: Item[];
  events?: Item[];
  slots?: Item[];
  cssProperties?: Item[];
  cssParts?: Item[];
}
export interface Manifest {
  modules: { declarations?: Declaration[] }[];
}

/**
 * The public API only: the analyzer also lists `#private` fields and static class fields
 * (`formAssociated`, `shadowRootOptions`), which would show as properties.
 */
export function publicApi<T extends Manifest>(manifest: T): T {
  const copy = structuredClone(manifest);
  for (const mod of copy.modules) {
    for (const decl of mod.declarations ?? []) {
      if (!decl.customElement) continue;
      decl.members = (decl.members ?? []).filter(
        (m) => !m.name.startsWith('#') && !m.static && m.privacy !== 'private' && m.privacy !== 'protected',
      );
    }
  }
  return copy;
}

type ArgType = {
  name: string;
  description?: string;
  type?: { name: string };
  table: { category: string; type?: { summary: string }; defaultValue?: { summary: string } };
};

/**
 * Every row of an element's manifest entry, by category. Storybook's own extraction keys all
 * categories by bare name, so a part or an event named like an attribute or property replaced
 * it (the `processing` attribute and part of `<consent-form>`, the `label` property and part
 * of `<consent-toggle>`). Here only an attribute and the property of the same name share a row,
 * as they are one API; parts, events and slots get keys of their own.
 */
export function argTypesFromManifest(manifest: Manifest, tagName: string): Record<string, ArgType> {
  const decl = manifest.modules.flatMap((m) => m.declarations ?? []).find((d) => d.tagName === tagName);
  if (!decl) throw new Error(`custom-elements.json has no <${tagName}>: run npm run manifest`);
  const row = (item: Item, category: string): ArgType => ({
    name: item.name,
    description: item.description,
    ...(item.type && { type: { name: item.type.text } }),
    table: {
      category,
      ...(item.type && { type: { summary: item.type.text } }),
      ...(item.default !== undefined && { defaultValue: { summary: item.default } }),
    },
  });
  const rows: Record<string, ArgType> = {};
  for (const m of decl.members ?? []) if (m.kind === 'field') rows[m.name] = row(m, 'properties');
  for (const a of decl.attributes ?? []) rows[a.name] = row(a, 'attributes');
  for (const e of decl.events ?? []) rows[`event:${e.name}`] = row(e, 'events');
  for (const s of decl.slots ?? []) rows[`slot:${s.name}`] = row(s, 'slots');
  for (const p of decl.cssProperties ?? []) rows[p.name] = row(p, 'css custom properties');
  for (const p of decl.cssParts ?? []) rows[`part:${p.name}`] = row(p, 'css shadow parts');
  return rows;
}

type Enhancer = NonNullable<Preview['argTypesEnhancers']>[number];

/**
 * A story renders the element from its own args only (`lang`, `purpose`, …). The manifest's other
 * rows stay in the tables as reference but get no control, which would change nothing on the canvas.
 */
export const controlsForStoryArgsOnly: Enhancer = (context) =>
  Object.fromEntries(
    Object.entries(context.argTypes).map(([name, argType]) => [
      name,
      name in context.initialArgs || argType.control !== undefined ? argType : { ...argType, control: false as const },
    ]),
  );
