/**
 * The console API's answers as zod schemas, for the OpenAPI document: the
 * shapes types.ts declares (and with it the front end's `console/api.ts`),
 * held equal to those types below at compile time, so the document cannot
 * drift from what the handlers return.
 */
import { z } from '@hono/zod-openapi';
import type * as T from './types.js';

const day = (description: string) => z.string().openapi({ description: `${description}, \`YYYY-MM-DD\`` });

export const SignInOptions = z
  .object({
    oidc: z.boolean().openapi({ description: "The company's OpenID Connect provider is configured." }),
    link: z.boolean().openapi({ description: 'Mailed one-time links are on.' }),
  })
  .openapi('ConsoleSignInOptions');

export const SessionAnswer = z
  .object({
    user: z.object({ email: z.string() }),
    csrf: z.string().openapi({ description: 'The anti-CSRF token: sent back in `x-csrf-token` with every state-changing call.' }),
    expiresAt: z.string().openapi({ description: 'The absolute end of the session (8 hours after sign-in by default).' }),
    idleExpiresAt: z.string().openapi({ description: 'Its end without a further call (30 minutes by default).' }),
  })
  .openapi('ConsoleSession');

const RequestRow = z
  .object({
    id: z.string(),
    kid: z.string(),
    requestType: z.string(),
    name: z.string(),
    email: z.string(),
    locale: z.string(),
    receivedAt: z.string(),
    dueBy: day('The due date on the receipts\' (Finnish) calendar'),
    daysLeft: z.number(),
    overdue: z.boolean(),
    identity: z.enum(['confirmed', 'unconfirmed']),
    identityConfirmedAt: z.string().optional(),
    identityVerified: z.object({ how: z.string(), by: z.string(), at: z.string() }).optional(),
    status: z.enum(['open', 'closed']),
    closedAt: z.string().optional(),
    closedBy: z.string().optional(),
  })
  .openapi('ConsoleRequestRow');

export const RequestList = z
  .object({
    today: day("The server's today, what `daysLeft` counts from"),
    requests: z.array(RequestRow).openapi({ description: 'One page of the list, from `offset`.' }),
    total: z.number().openapi({ description: 'How many the list has in all.' }),
    offset: z.number(),
    counts: z.object({ open: z.number(), overdue: z.number().openapi({ description: 'Of the open ones.' }), closed: z.number() }),
  })
  .openapi('ConsoleRequestList');

const TrailEntry = z
  .object({
    at: z.string(),
    kind: z.enum(['record', 'receipt', 'mail', 'confirmation', 'withdrawal', 'restoration', 'webhook', 'closure', 'action']),
    summary: z.string(),
    detail: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi('ConsoleTrailEntry');

export const RequestDetail = z
  .object({
    // The row's fields spread, not `.extend`: its generated `allOf` differed from one document to the next.
    request: z.object({
      ...RequestRow.shape,
      organisation: z.string().optional(),
      phone: z.string().optional(),
      details: z.string(),
      source: z.object({ url: z.string(), element: z.string() }),
    }),
    templates: z.array(z.object({ id: z.string(), label: z.string() })),
    answerUrl: z.string().openapi({ description: 'Where the Art. 15 answer of this request downloads.' }),
    trail: z.array(TrailEntry),
  })
  .openapi('ConsoleRequestDetail');

const counts = { granted: z.number(), pending: z.number(), withdrawn: z.number() };
export const ConsentStats = z
  .object({
    purposes: z.array(z.object({ purpose: z.string(), label: z.string(), ...counts })),
    weeks: z.array(z.object({ week: z.string().openapi({ description: 'ISO week, `YYYY-Www`' }), start: day('Its Monday'), purpose: z.string(), ...counts })),
  })
  .openapi('ConsoleConsentStats');

export const AddressConsents = z
  .object({
    email: z.string(),
    purposes: z.array(z.object({ purpose: z.string(), label: z.string(), granted: z.boolean(), pending: z.boolean().optional(), decidedAt: z.string() })),
  })
  .openapi('ConsoleAddressConsents');

export const Done = z.object({ ok: z.literal(true) });

// The schemas are the types: a field added to one and not the other does not compile.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const same: [
  Same<z.infer<typeof SignInOptions>, T.SignInOptions>,
  Same<z.infer<typeof SessionAnswer>, T.SessionAnswer>,
  Same<z.infer<typeof RequestRow>, T.RequestRow>,
  Same<z.infer<typeof RequestList>, T.RequestList>,
  Same<z.infer<typeof TrailEntry>, T.TrailEntry>,
  Same<z.infer<typeof RequestDetail>, T.RequestDetail>,
  Same<z.infer<typeof ConsentStats>, T.ConsentStats>,
  Same<z.infer<typeof AddressConsents>, T.AddressConsents>,
] = [true, true, true, true, true, true, true, true];
void same;
