// Helpers for tests that need another page of the same origin (an iframe).
import { waitUntil } from '@open-wc/testing';
import type { FrameApi } from './frame.js';

type FrameWindow = Window & { frameApi?: FrameApi };

/** Calls into a frame and copies the answer into this realm. */
export async function call<K extends keyof FrameApi>(
  frame: HTMLIFrameElement,
  name: K,
  ...args: Parameters<FrameApi[K]>
): Promise<Awaited<ReturnType<FrameApi[K]>>> {
  const api = (frame.contentWindow as FrameWindow).frameApi!;
  const result = await (api[name] as (...a: unknown[]) => unknown)(...args);
  return result === undefined ? (undefined as never) : JSON.parse(JSON.stringify(result));
}

async function ready(frame: HTMLIFrameElement, previous?: FrameApi) {
  await waitUntil(() => {
    const api = (frame.contentWindow as FrameWindow | null)?.frameApi;
    return api && api !== previous;
  }, 'frame did not load', { timeout: 10000 });
}

/** A new same-origin page in an iframe, ready to call. */
export async function openFrame(): Promise<HTMLIFrameElement> {
  const frame = document.createElement('iframe');
  frame.src = '/test/outbox/frame.html';
  document.body.append(frame);
  await ready(frame);
  return frame;
}

/** Reloads the frame's page (a real navigation: new modules, new globals) and waits for it. */
export async function reloadFrame(frame: HTMLIFrameElement): Promise<void> {
  const previous = (frame.contentWindow as FrameWindow).frameApi;
  frame.contentWindow!.location.reload();
  await ready(frame, previous);
}

/** A unique name, so concurrently running test files never share state. */
export const unique = (prefix: string) => `${prefix}-${crypto.randomUUID()}`;

export async function endpoint(path: string, body?: unknown) {
  const response = await fetch(`/test-api/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    body: typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body),
  });
  return response.json();
}
