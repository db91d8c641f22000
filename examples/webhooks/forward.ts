// A site's webhook endpoint: verifies each message from the privacy receiver
// (Standard Webhooks, with the `standardwebhooks` package) and forwards consent
// changes to HubSpot (Forms API v3) and Mailchimp (list member upsert).
// Answers 2xx only once both vendors took the change, so the receiver retries otherwise;
// a change older than one already applied for the same address and purpose is skipped.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Webhook } from 'standardwebhooks';
import {
  mailchimpSubscriberHash,
  toHubSpotSubmission,
  toMailchimpMember,
  type HubSpotOptions,
  type MailchimpOptions,
  type WebhookEvent,
} from '@optimesys/privacy-receiver';

export interface ForwardConfig {
  /** WEBHOOK_SECRET, the same `whsec_…` the receiver signs with. */
  secret: string;
  hubspot: HubSpotOptions & { baseUrl?: string; portalId: string; formGuid: string };
  mailchimp: MailchimpOptions & { baseUrl: string; listId: string; apiKey: string };
  fetch?: typeof fetch;
}

export function forwardHandler(config: ForwardConfig) {
  const webhook = new Webhook(config.secret);
  const send = config.fetch ?? fetch;
  // Messages already forwarded, by webhook-id: retries and duplicates are acknowledged, not re-sent.
  // (In production keep these ids in your database for a few days.)
  const done = new Set<string>();
  // Retries make messages arrive out of order: per address and purpose, the time of the newest
  // choice applied. A choice older than that (a grant confirmed after its withdrawal arrived) is
  // skipped. A grant's time is when it was made (`receivedAt`), also once confirmed. (Keep this in your database too.)
  const applied = new Map<string, number>();
  const key = (email: string, purpose: string) => `${email.toLowerCase()} ${purpose}`;

  async function forward(event: WebhookEvent): Promise<boolean> {
    if (event.type !== 'consent.granted' && event.type !== 'consent.confirmed' && event.type !== 'consent.withdrawn') return true;
    const at = Date.parse(event.data.receivedAt);
    const purposes = event.data.purposes.filter((p) => (applied.get(key(event.data.email, p.purpose)) ?? -Infinity) <= at);
    const data = { ...event.data, purposes };
    const calls: Promise<Response>[] = [];
    const submission = toHubSpotSubmission(data, config.hubspot);
    if (submission) {
      const { baseUrl = 'https://api.hsforms.com', portalId, formGuid } = config.hubspot;
      calls.push(
        send(`${baseUrl}/submissions/v3/integration/submit/${portalId}/${formGuid}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(submission),
        }),
      );
    }
    const member = toMailchimpMember(data, config.mailchimp);
    if (member) {
      const { baseUrl, listId, apiKey } = config.mailchimp;
      calls.push(
        send(`${baseUrl}/3.0/lists/${listId}/members/${mailchimpSubscriberHash(member.email_address)}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`privacy:${apiKey}`).toString('base64')}` },
          body: JSON.stringify(member),
        }),
      );
    }
    const responses = await Promise.allSettled(calls);
    if (!responses.every((r) => r.status === 'fulfilled' && r.value.ok)) return false;
    // Only choices that count move the clock: an unconfirmed grant must not hide its own confirmation.
    for (const p of purposes) if (!p.granted || p.confirmed) applied.set(key(event.data.email, p.purpose), at);
    return true;
  }

  return (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      // Verify the raw body as received: parsing and re-serializing would break the signature.
      const body = Buffer.concat(chunks).toString('utf8');
      let event: WebhookEvent;
      try {
        event = webhook.verify(body, req.headers as Record<string, string>) as WebhookEvent;
      } catch {
        res.writeHead(401).end();
        return;
      }
      const id = String(req.headers['webhook-id']);
      if (done.has(id)) {
        res.writeHead(204).end();
        return;
      }
      const ok = await forward(event).catch(() => false);
      if (ok) done.add(id);
      res.writeHead(ok ? 204 : 502).end();
    });
  };
}

// `node forward.js` runs it on PORT; the test imports forwardHandler instead.
if (import.meta.url === `file://${process.argv[1]}`) {
  const env = (name: string) => process.env[name] ?? '';
  const handler = forwardHandler({
    secret: env('WEBHOOK_SECRET'),
    hubspot: { portalId: env('HUBSPOT_PORTAL_ID'), formGuid: env('HUBSPOT_FORM_GUID'), subscriptionTypeIds: JSON.parse(env('HUBSPOT_SUBSCRIPTIONS') || '{}') },
    mailchimp: {
      baseUrl: `https://${env('MAILCHIMP_API_KEY').split('-')[1]}.api.mailchimp.com`,
      listId: env('MAILCHIMP_LIST_ID'),
      apiKey: env('MAILCHIMP_API_KEY'),
      marketingPermissionIds: JSON.parse(env('MAILCHIMP_PERMISSIONS') || '{}'),
    },
  });
  createServer(handler).listen(Number(process.env.PORT ?? 3001), '127.0.0.1');
}
