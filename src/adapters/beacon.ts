import { AdapterError, type BackendAdapter } from './types.js';

/**
 * Sends with `navigator.sendBeacon`, which survives page unload but whose
 * response a page can never read. It resolves with an `unconfirmed` receipt:
 * the browser took the record, nothing proves the server stored it. When the
 * browser refuses the beacon (too large, quota) it throws a `retry` error,
 * so an outbox keeps the record. Beacons cannot carry custom headers.
 */
export function beaconAdapter(options: { endpoint: string | URL }): BackendAdapter {
  return {
    async send(jws, record) {
      const sentAt = new Date().toISOString();
      const queued = typeof navigator.sendBeacon === 'function' &&
        navigator.sendBeacon(options.endpoint, new Blob([jws], { type: 'application/jose' }));
      if (!queued) throw new AdapterError('retry', { code: 'beacon-refused', message: 'The browser did not queue the beacon' });
      return { recordId: record.id, status: 'unconfirmed', sentAt, via: 'beacon' };
    },
  };
}
