// A page of the same origin that tests load in iframes: each load is a fresh
// page with its own modules, like a reload or a second tab.
import { httpAdapter } from '../../src/adapters/http.js';
import { AdapterError, type BackendAdapter } from '../../src/adapters/types.js';
import { createOutbox, type Outbox } from '../../src/outbox/outbox.js';
import { signRecord } from '@optimesys/privacy-records/sign';
import { deviceSigner } from '../../src/outbox/device-signer.js';
import { consentSample } from '../../packages/records/test/samples.js';

export interface FrameOutboxOptions {
  dbName: string;
  bucket: string;
  offline: boolean;
  backoffMs: number;
  /** false: run without Web Locks (to show what they prevent). */
  locks: boolean;
}

let outbox: Outbox | undefined;
let offline = false;
const events: [string, string][] = [];

const api = {
  /** The device key this page finds (or creates). */
  async deviceKey(dbName?: string) {
    const { kid, persistent } = await deviceSigner(dbName ? { dbName } : {}).key();
    return { kid, persistent };
  },
  async openOutbox(options: FrameOutboxOptions) {
    offline = options.offline;
    const http = httpAdapter({ endpoint: `/test-api/records?bucket=${options.bucket}` });
    // Offline as a browser sees it: the request never gets an answer.
    const adapter: BackendAdapter = {
      send: (jws, record) =>
        offline ? Promise.reject(new AdapterError('retry', { code: 'network', message: 'offline (test)' })) : http.send(jws, record),
    };
    outbox = createOutbox(adapter, {
      dbName: options.dbName,
      backoff: () => options.backoffMs,
      ...(options.locks ? {} : { locks: null }),
    });
    for (const type of ['sent', 'queued', 'rejected'] as const) outbox.on(type, (d) => events.push([type, d.record.id]));
    await outbox.ready;
  },
  /** Signs `count` new consent records with the device key and sends them; returns [id, status]. */
  async sendNew(count: number) {
    const results: [string, string][] = [];
    for (let i = 0; i < count; i++) {
      const { jws, record } = await signRecord(consentSample(), deviceSigner());
      results.push([record.id, (await outbox!.send(jws, record)).status]);
    }
    return results;
  },
  goOnline() {
    offline = false;
    window.dispatchEvent(new Event('online'));
  },
  pending: async () => (await outbox!.pending()).map((e) => e.id),
  flush: () => outbox!.flush({ force: true }),
  events: () => events.slice(),
};

export type FrameApi = typeof api;
(window as unknown as { frameApi: FrameApi }).frameApi = api;
