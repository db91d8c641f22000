import type { ConfirmedReceipt } from '@optimesys/privacy-records/schemas';
import type { Sent } from '../ui/send-record.js';

/** The file a requester keeps: the signed request and the receiver's countersigned receipt. */
export function receiptFile(sent: Sent): Record<string, unknown> {
  const receipt = sent.status === 'sent' ? sent.receipt : undefined;
  return {
    description: 'GDPR data request: the signed request (JWS) and the receiver\'s countersigned receipt (JWS).',
    request: sent.record,
    requestJws: sent.jws,
    receipt,
    receiptJws: (receipt as ConfirmedReceipt | undefined)?.receipt,
  };
}

/** Saves that file as `data-request-<id>.json`. */
export function downloadReceipt(sent: Sent): void {
  const url = URL.createObjectURL(new Blob([JSON.stringify(receiptFile(sent), null, 2)], { type: 'application/json' }));
  const link = Object.assign(document.createElement('a'), { href: url, download: `data-request-${sent.record.id}.json` });
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
