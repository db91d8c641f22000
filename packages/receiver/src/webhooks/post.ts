/**
 * The webhook sender's HTTP POST on node:http(s) with a keep-alive agent: the part of `fetch` the
 * sender uses (status, `Retry-After`, a discarded body, redirects not followed, a timeout signal),
 * at about a third of undici's CPU per request. Errors read as fetch's do: the signal's reason on
 * a timeout, else `TypeError('fetch failed')` with the socket's error as `cause` (ECONNREFUSED, …).
 */
import http from 'node:http';
import https from 'node:https';

export interface PostResponse {
  status: number;
  headers: { get(name: string): string | null };
  body: { cancel(): Promise<void> } | null;
}
export type Post = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: string; redirect: 'manual'; signal: AbortSignal },
) => Promise<PostResponse>;

/** An answer's body is read and dropped (so the connection is reused) up to this size; beyond, the connection is closed. */
const DRAIN_BYTES = 64 * 1024;

export function nodePost(): { post: Post; close(): void } {
  const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };
  const post: Post = (url, init) =>
    new Promise((resolve, reject) => {
      const target = new URL(url);
      const protocol = target.protocol;
      if (protocol !== 'http:' && protocol !== 'https:') {
        reject(new TypeError('fetch failed', { cause: new Error(`${protocol} is not http: or https:`) }));
        return;
      }
      const { signal } = init;
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const body = Buffer.from(init.body, 'utf8');
      const request = (protocol === 'https:' ? https : http).request(
        target,
        { method: init.method, agent: agents[protocol], headers: { ...init.headers, 'content-length': String(body.length) } },
        (response) => {
          signal.removeEventListener('abort', abort);
          response.on('error', () => undefined); // a reset after the status: the outcome is already known
          resolve({
            status: response.statusCode ?? 0,
            headers: {
              get(name) {
                const value = response.headers[name.toLowerCase()];
                return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
              },
            },
            body: {
              async cancel() {
                let read = 0;
                response.on('data', (chunk: Buffer) => {
                  if ((read += chunk.length) > DRAIN_BYTES) response.destroy();
                });
                response.resume();
              },
            },
          });
        },
      );
      const abort = () => {
        request.destroy();
        reject(signal.reason);
      };
      signal.addEventListener('abort', abort, { once: true });
      request.on('error', (error) => {
        signal.removeEventListener('abort', abort);
        reject(new TypeError('fetch failed', { cause: error }));
      });
      request.end(body);
    });
  return {
    post,
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}
