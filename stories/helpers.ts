import { configure } from '../src/config.js';
import { memoryAdapter, type MemoryAdapter } from '../src/adapters/memory.js';
import type { BackendAdapter } from '../src/adapters/types.js';

/** A fresh in-page backend for a story; `setup` tells it to fail or reject. */
export function useMemoryBackend(setup: (adapter: MemoryAdapter) => void = () => {}): MemoryAdapter {
  const adapter = memoryAdapter();
  setup(adapter);
  configure({ adapter });
  return adapter;
}

/** A backend that never answers: the form stays in its sending state. */
export function useSilentBackend(): void {
  const adapter: BackendAdapter = { send: () => new Promise(() => {}) };
  configure({ adapter });
}

/** Resolves once `find()` returns something. */
export async function until<T>(find: () => T | null | undefined, timeout = 5000): Promise<T> {
  const started = performance.now();
  for (;;) {
    const found = find();
    if (found) return found;
    if (performance.now() - started > timeout) throw new Error('story: element never appeared');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Sets a field the way typing does: the value, then an input event. */
export function type(input: HTMLInputElement | HTMLTextAreaElement, value: string): void {
  input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
}
