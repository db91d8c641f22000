/**
 * Record schemas (zod/mini, so they ship to browsers cheaply). The same
 * schemas validate visitor input in the forms, records before signing, and
 * records on the server; `packages/records/src/json-schema.ts` writes them as JSON Schema.
 *
 * Every rule is written as a type, length or pattern check (never a custom
 * refinement) so that the JSON Schema says exactly what zod says. Issue
 * messages are stable machine codes that the UI maps to localized text.
 */
import * as z from 'zod/mini';
import { PROCESSING_BASES, BASES, RECORD_LOCALES, REQUEST_TYPE_IDS } from './vocabulary.js';

/** Issue messages the schemas produce. */
export type IssueCode =
  | 'required'
  | 'invalid-type'
  | 'too-long'
  | 'too-many'
  | 'blank'
  | 'control-chars'
  | 'invalid-email'
  | 'invalid-phone'
  | 'invalid-format'
  | 'invalid-value';

const typeError = (issue: { input?: unknown }): string => (issue.input === undefined ? 'required' : 'invalid-type');

// C0 and C1 control characters, DEL, and the Unicode line/paragraph separators:
// invisible in a name or label, and able to break logs and CSV exports.
const SINGLE_LINE = /^[^\u0000-\u001F\u007F-\u009F\u2028\u2029]*$/;
// Free text may keep its line breaks and tabs.
const MULTI_LINE = /^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$/;
const NOT_BLANK = /\S/;

/** A one-line text: required, not only whitespace, no control characters, at most `max` UTF-16 units. */
function line(max: number) {
  return z.string({ error: typeError }).check(
    z.minLength(1, { error: 'required', abort: true }),
    z.maxLength(max, 'too-long'),
    z.regex(NOT_BLANK, 'blank'),
    z.regex(SINGLE_LINE, 'control-chars'),
  );
}

/** A string matching `pattern`, at most `max` long; `message` names the rule for the UI. */
function pattern(re: RegExp, max: number, message: IssueCode = 'invalid-format') {
  return z.string({ error: typeError }).check(
    z.minLength(1, { error: 'required', abort: true }),
    z.maxLength(max, 'too-long'),
    z.regex(re, message),
  );
}

// --- Fields a visitor types (the data-request form validates them one by one) ---

/** A person's name as they write it: any script, apostrophes, hyphens, spaces. */
export const PersonName = line(200);
/** Organisation name (optional in requests). */
export const Organisation = line(200);

// Practical address rules: RFC 5322 dot-atom local part (so `+` tags, apostrophes
// and dots work) and a DNS host name with a letter TLD or an IDN (`xn--`) TLD.
// Internationalized domains are accepted in their ASCII (punycode) form. No `=?`:
// an RFC 2047 encoded word may not stand in an addr-spec (section 5), and mail
// parsers disagree on whether to decode one there, so it could name another mailbox.
const EMAIL =
  /^(?!.*=\?)[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})$/;
/** An e-mail address (trim it first; the schema does not change input). */
export const Email = pattern(EMAIL, 254, 'invalid-email');

// An optional leading `+` (also inside a parenthesis, as in `(+44) 20 …`), then 6 to
// 20 digits, grouped with spaces, hyphens or parentheses.
const PHONE = /^\(?\+?[ ()-]*(?:[0-9][ ()-]*){6,20}$/;
/** A phone number, national or international (`+358 40 123 4567`, `(09) 123 456`). */
export const Phone = pattern(PHONE, 40, 'invalid-phone');

/** Free text of a request: line breaks and tabs allowed, at most 4000 characters; may be empty. */
export const Details = z.string({ error: typeError }).check(
  z.maxLength(4000, 'too-long'),
  z.regex(MULTI_LINE, 'control-chars'),
);
/** Free text that must say something (a rectification must say what to correct). */
export const RequiredDetails = z.string({ error: typeError }).check(
  z.minLength(1, { error: 'required', abort: true }),
  z.maxLength(4000, 'too-long'),
  z.regex(NOT_BLANK, 'blank'),
  z.regex(MULTI_LINE, 'control-chars'),
);

// --- Record building blocks ---

/** Lower-case UUID v4 (what `crypto.randomUUID()` makes). */
export const RecordId = pattern(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 36);
/** ISO 8601 UTC timestamp with `Z` (what `Date.prototype.toISOString()` makes). */
export const Timestamp = pattern(
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?Z$/,
  40,
);
/** A calendar date, `YYYY-MM-DD`. */
export const CalendarDate = pattern(/^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])$/, 10);
/** A purpose id: built-in (`newsletter`) or a site's own slug (`webinar-recordings`). */
export const PurposeId = pattern(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 64);
/** A vocabulary term as a CURIE, e.g. `dpv:DirectMarketing`. */
export const VocabularyTerm = pattern(/^[a-z][a-z0-9-]*:[A-Za-z][A-Za-z0-9_-]*$/, 128);
/** Lower-case hex SHA-256. */
export const Sha256Hex = pattern(/^[0-9a-f]{64}$/, 64);
/** A JWS in compact serialization. */
export const CompactJws = pattern(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 65536);

export const Locale = z.enum(RECORD_LOCALES, 'invalid-value');

/** The notice the visitor was shown: its version and the SHA-256 of its RFC 8785 canonical JSON. */
export const NoticeRef = z.strictObject({ version: line(64), digest: Sha256Hex });

/** Where the record was made: page URL, element (tag name), and a free label such as a webinar id. */
export const Source = z.strictObject({
  url: pattern(/^https?:\/\/\S+$/, 2048),
  element: pattern(/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/, 64),
  context: z.optional(line(200)),
});

/** Whether the signing key outlives the page (false: IndexedDB was unavailable). */
export const SignerInfo = z.strictObject({ persistent: z.boolean({ error: typeError }) });

/** One consent choice, with the exact label the visitor saw. */
export const ConsentDecision = z.strictObject({
  purpose: PurposeId,
  dpv: VocabularyTerm,
  basis: z.literal('consent', 'invalid-value'),
  granted: z.boolean({ error: typeError }),
  text: line(1000),
});

// The pair (basis, basisDpv) is one of the fixed pairs, so a record can never
// name one basis in words and another in DPV.
const processingOption = <B extends (typeof PROCESSING_BASES)[number]>(basis: B) =>
  z.strictObject({
    purpose: PurposeId,
    dpv: VocabularyTerm,
    basis: z.literal(basis),
    basisDpv: z.literal(BASES[basis].dpv, 'invalid-value'),
  });

/** Processing on a basis other than consent, shown to the visitor as information. */
export const ProcessingNotice = z.discriminatedUnion(
  'basis',
  [processingOption('contract'), processingOption('legitimate-interest'), processingOption('legal-obligation')],
  'invalid-value',
);

const common = {
  id: RecordId,
  issuedAt: Timestamp,
  locale: Locale,
  notice: NoticeRef,
  source: Source,
  signer: SignerInfo,
};

/** Consent decisions (given or withdrawn) and the non-consent processing shown beside them. */
export const ConsentRecord = z.strictObject({
  type: z.literal('consent'),
  ...common,
  subject: z.strictObject({ email: Email }),
  decisions: z.array(ConsentDecision).check(z.maxLength(32, 'too-many')),
  processing: z.array(ProcessingNotice).check(z.maxLength(32, 'too-many')),
});

const requestSubject = z.strictObject({
  name: PersonName,
  email: Email,
  organisation: z.optional(Organisation),
  phone: z.optional(Phone),
});

const OTHER_REQUEST_TYPES = REQUEST_TYPE_IDS.filter((t) => t !== 'rectification') as [
  Exclude<(typeof REQUEST_TYPE_IDS)[number], 'rectification'>,
  ...Exclude<(typeof REQUEST_TYPE_IDS)[number], 'rectification'>[],
];

/**
 * A data-subject request. A rectification must say what to correct, so its
 * `details` are required; other requests may leave them out.
 */
export const DataRequest = z.discriminatedUnion(
  'requestType',
  [
    z.strictObject({
      type: z.literal('data-request'),
      ...common,
      subject: requestSubject,
      requestType: z.literal('rectification'),
      details: RequiredDetails,
    }),
    z.strictObject({
      type: z.literal('data-request'),
      ...common,
      subject: requestSubject,
      requestType: z.enum(OTHER_REQUEST_TYPES),
      details: z.optional(Details),
    }),
  ],
  'invalid-value',
);

/** Any record a widget signs and sends. */
export const PrivacyRecord = z.discriminatedUnion('type', [ConsentRecord, DataRequest], 'invalid-value');

/**
 * The server's answer. `stored`/`duplicate`: the server countersigned what it
 * received (`receipt` is its JWS over `ReceiptPayload`). `unconfirmed`: the
 * record left the browser but no receipt came back (a beacon, whose response
 * a page cannot read, or a 2xx without a receipt body): it is *not* proof of
 * delivery, only of the hand-over at `sentAt`.
 */
export const Receipt = z.discriminatedUnion('status', [
  z.object({
    recordId: RecordId,
    status: z.enum(['stored', 'duplicate']),
    receivedAt: Timestamp,
    dueBy: z.optional(CalendarDate),
    receipt: CompactJws,
    /** `pending`: the receiver mailed the subject a link; a grant counts once it is used (double opt-in). */
    confirmation: z.optional(z.literal('pending')),
  }),
  z.object({
    recordId: RecordId,
    status: z.literal('unconfirmed'),
    sentAt: Timestamp,
    via: z.enum(['beacon', 'http']),
  }),
]);

/** What the server signs in a receipt. `dueBy`: statutory answer date of a data request (GDPR Art. 12(3)). */
export const ReceiptPayload = z.object({
  recordId: RecordId,
  jwsSha256: Sha256Hex,
  receivedAt: Timestamp,
  dueBy: z.optional(CalendarDate),
});

export type ConsentDecision = z.infer<typeof ConsentDecision>;
export type ProcessingNotice = z.infer<typeof ProcessingNotice>;
export type ConsentRecord = z.infer<typeof ConsentRecord>;
export type DataRequest = z.infer<typeof DataRequest>;
export type PrivacyRecord = z.infer<typeof PrivacyRecord>;
export type Receipt = z.infer<typeof Receipt>;
export type ConfirmedReceipt = Extract<Receipt, { receipt: string }>;
export type ReceiptPayload = z.infer<typeof ReceiptPayload>;
export type NoticeRef = z.infer<typeof NoticeRef>;
export type Source = z.infer<typeof Source>;

/** A record before signing: `signRecord` sets `signer` from the signer used. */
export type UnsignedRecord<T extends PrivacyRecord = PrivacyRecord> = T extends unknown
  ? Omit<T, 'signer'> & { signer?: T['signer'] }
  : never;
