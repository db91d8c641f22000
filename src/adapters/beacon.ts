import { AdapterError, type BackendAdapter } from './types.js';

/**
 * Sends with `navigator.sendBeacon`, which survives page unload but whose
 * response a page can never read. It resolves with an `unconfirmed` receipt:
 * the browser took the record, nothing proves the server stored it. When the
 * browser will not queue the beacon (over its size limit or quota) it throws
 * a `retry` error, so an outbox keeps the record; an endpoint the browser
 * refuses outright (not http/https) is a `rejected` error. Beacons cannot
 * carry custom headers or opt out of cookies.
 */
export function beaconAdapter(options: { endpoint: string | URL }): BackendAdapter {
  return {
    async send(jws, record) {
      const sentAt = new Date().toISOString();
      let queued: boolean;
      try {
        queued = navigator.sendBeacon(options.endpoint, new Blob([jws], { type: 'application/jose' }));
      } catch (error) {
        throw new AdapterError('rejected', { code: 'beacon-error', message: String((error as Error)?.message ?? error) });
      }
      if (!queued) throw new AdapterError('retry', { code: 'beacon-refused', message: 'The browser did not queue the beacon' });
      return { recordId: record.id, status: 'unconfirmed', sentAt, via: 'beacon' };
    },
  };
}
