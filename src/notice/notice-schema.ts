import * as z from 'zod/mini';

/**
 * What a block of the notice says, in terms of GDPR Art. 13. A document
 * declares these so that `checkNotice()` can report what is missing; the
 * element never renders them.
 */
export const NOTICE_TOPICS = [
  'controller-identity', // Art. 13(1)(a)
  'contact', // Art. 13(1)(b): DPO or contact person
  'purposes', // Art. 13(1)(c)
  'basis-contract', // Art. 6(1)(b)
  'basis-consent', // Art. 6(1)(a)
  'basis-legitimate-interest', // Art. 6(1)(f)
  'basis-legal-obligation', // Art. 6(1)(c)
  'legitimate-interests', // Art. 13(1)(d): which interests
  'recipients', // Art. 13(1)(e)
  'transfers', // Art. 13(1)(f)
  'retention', // Art. 13(2)(a)
  'right-access', // Art. 13(2)(b) / 15
  'right-rectification', // 16
  'right-erasure', // 17
  'right-restriction', // 18
  'right-objection', // 21
  'right-portability', // 20
  'withdraw-consent', // Art. 13(2)(c)
  'complaint', // Art. 13(2)(d)
  'statutory-requirement', // Art. 13(2)(e)
  'automated-decisions', // Art. 13(2)(f)
  'subject-groups',
  'data-categories', // Art. 14(1)(d)
  'sources', // Art. 14(2)(f)
  'security', // Art. 32
] as const;
export type NoticeTopic = (typeof NOTICE_TOPICS)[number];

const text = z.string().check(z.minLength(1), z.maxLength(10_000));
const covers = z.optional(z.array(z.enum(NOTICE_TOPICS)));

/** A plain paragraph. URLs, e-mail addresses and phone numbers in it become links. */
const Paragraph = z.object({ type: z.literal('paragraph'), text, covers });
/** A sub-heading inside a section, one level below the section heading. */
const Subheading = z.object({ type: z.literal('subheading'), text, covers });
/** A bulleted list. */
const List = z.object({ type: z.literal('list'), items: z.array(text).check(z.minLength(1)), covers });
/** A numbered list whose items may carry lettered sub-items ("1. … a. b."). */
const OrderedList = z.object({
  type: z.literal('ordered-list'),
  items: z
    .array(z.object({ text, items: z.optional(z.array(text)) }))
    .check(z.minLength(1)),
  covers,
});
/** Term/value pairs such as a controller's contact details. */
const Details = z.object({
  type: z.literal('details'),
  items: z.array(z.object({ term: text, value: text })).check(z.minLength(1)),
  covers,
});
/** The link or button that leads to the data-request form (`request-href`). */
const RequestLink = z.object({ type: z.literal('request-link'), text, covers });

export const NoticeBlock = z.discriminatedUnion('type', [
  Paragraph,
  Subheading,
  List,
  OrderedList,
  Details,
  RequestLink,
]);
export type NoticeBlock = z.infer<typeof NoticeBlock>;

export const NoticeSection = z.object({
  /** Anchor for deep links (`page.html#rights`): lower-case letters, digits and hyphens. */
  id: z.string().check(z.regex(/^[a-z][a-z0-9-]{0,63}$/)),
  heading: text,
  covers,
  blocks: z.array(NoticeBlock).check(z.minLength(1)),
});
export type NoticeSection = z.infer<typeof NoticeSection>;

/**
 * A privacy notice as data: `locales/{fi,en}/notice.json` hold OptimeSys'
 * notice; another controller can pass its own document of the same shape.
 */
export const NoticeDocument = z.object({
  /** Version the consent records refer to, together with the document digest. */
  version: z.string().check(z.minLength(1), z.maxLength(64)),
  /** BCP 47 language of the text. */
  lang: z.string().check(z.regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/)),
  title: text,
  /** Date the notice was last updated, ISO 8601 (`2018-05-24`). */
  updated: z.iso.date(),
  sections: z
    .array(NoticeSection)
    .check(
      z.minLength(1),
      z.refine((sections) => new Set(sections.map((s) => s.id)).size === sections.length, {
        message: 'Section ids must be unique',
      }),
    ),
});
export type NoticeDocument = z.infer<typeof NoticeDocument>;

/** Parses an unknown value as a notice document; the error lists each problem with its path. */
export function parseNotice(
  value: unknown,
): { ok: true; notice: NoticeDocument } | { ok: false; problems: string[] } {
  const result = NoticeDocument.safeParse(value);
  if (result.success) return { ok: true, notice: result.data };
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.join('.') : '(document)';
    return `${path}: ${describeIssue(issue)}`;
  });
  return { ok: false, problems };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}`;
    case 'too_small':
      return `must have at least ${String(issue.minimum)} ${issue.origin === 'string' ? 'characters' : 'items'}`;
    case 'too_big':
      return `must have at most ${String(issue.maximum)} ${issue.origin === 'string' ? 'characters' : 'items'}`;
    case 'invalid_format':
      return `invalid ${issue.format}`;
    case 'invalid_union':
      return 'unknown block type';
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return issue.message && issue.message !== 'Invalid input' ? issue.message : issue.code;
  }
}
