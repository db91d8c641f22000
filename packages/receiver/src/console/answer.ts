/**
 * The Art. 15 answer: one self-contained HTML file a person opens with a
 * double click, in the requester's language, with no script and nothing
 * loaded from anywhere. It says what is held (every record, as sent, and the
 * current consents), the purposes and their lawful bases (from the records:
 * the decisions' and the processing's bases, with their DPV terms), the
 * notice version the person saw, and, from the site's notice document when
 * the receiver was given one, the controller, recipients, transfers,
 * retention, sources and rights; then the machine-readable JSON `export`
 * prints, in a `<pre>`. Every value a visitor typed is escaped.
 */
import { escapeHtml, formatDateTime, interpolate, type MailLocale } from '../mail/layout.js';
import type { SiteText } from '../mail/site.js';
import { currentConsents } from '../derive.js';
import type { ReceiverEvent, StoredRecord } from '../store/store.js';
import { CONSOLE_STRINGS, mailLocale, requestTypeLabel } from './mail.js';
import type { SubjectExport } from './subject.js';

/** A privacy notice as data: the shape of the widgets' `locales/<lang>/notice.json` (sections by id). */
export interface NoticeDocument {
  version: string;
  lang?: string;
  title: string;
  updated: string;
  sections: { id: string; heading: string; blocks: NoticeBlock[] }[];
}
export type NoticeBlock =
  | { type: 'paragraph' | 'subheading' | 'request-link'; text: string }
  | { type: 'list'; items: string[] }
  | { type: 'ordered-list'; items: { text: string; items?: string[] }[] }
  | { type: 'details'; items: { term: string; value: string }[] };
export type NoticeDocuments = Partial<Record<MailLocale, NoticeDocument>>;

/** The notice's sections an Art. 15 answer must cover (Art. 15(1)(c)–(h)) beside the records, and who is answering. */
export const ANSWER_SECTIONS = ['controllers', 'contact', 'recipients', 'transfers', 'retention', 'sources', 'rights'] as const;

const e = (text: unknown) => escapeHtml(String(text ?? ''));

function block(b: NoticeBlock): string {
  switch (b.type) {
    case 'paragraph':
      return `<p>${e(b.text)}</p>`;
    case 'subheading':
      return `<h4>${e(b.text)}</h4>`;
    case 'list':
      return `<ul>${(b.items ?? []).map((i) => `<li>${e(i)}</li>`).join('')}</ul>`;
    case 'ordered-list':
      return `<ol>${(b.items ?? [])
        .map((i) => `<li>${e(i.text)}${i.items?.length ? `<ol type="a">${i.items.map((s) => `<li>${e(s)}</li>`).join('')}</ol>` : ''}</li>`)
        .join('')}</ol>`;
    case 'details':
      return `<dl>${(b.items ?? []).map((i) => `<dt>${e(i.term)}</dt><dd>${e(i.value)}</dd>`).join('')}</dl>`;
    default:
      return ''; // a link to the request form means nothing in a file
  }
}

export interface AnswerInput {
  /** The data request being answered. */
  request: StoredRecord;
  /** The subject's verified records and events, and the document `export` prints of them. */
  rows: StoredRecord[];
  events: ReceiverEvent[];
  document: SubjectExport;
  notices: NoticeDocuments;
  site: SiteText;
  now: Date;
}

interface Decision {
  purpose: string;
  dpv?: string;
  basis?: string;
  granted: boolean;
  text: string;
}
interface Processing {
  purpose: string;
  dpv?: string;
  basis: string;
}

export function renderAnswer(input: AnswerInput): string {
  // In the requester's language, as the templated messages to them are.
  const locale = mailLocale(input.request.record.locale);
  const s = CONSOLE_STRINGS[locale].answer;
  const when = (iso: string) => formatDateTime(new Date(iso), locale);
  const subject = input.request.record.subject as { name?: string; email?: string };
  const email = String(subject.email ?? input.request.email);
  const label = (purpose: string) => input.site.label(purpose, locale);
  const parts: string[] = [];

  parts.push(`<h1>${e(s.title)}</h1>`);
  parts.push(
    `<p>${e(interpolate(s.intro, { reference: input.request.id, received: when(input.request.receivedAt), name: String(subject.name ?? ''), email }))}</p>`,
    `<p>${e(interpolate(s.prepared, { date: when(input.now.toISOString()) }))}</p>`,
  );

  // What is held: every record, as sent.
  parts.push(`<h2>${e(s.heldTitle)}</h2>`, `<p>${e(interpolate(s.heldIntro, { email }))}</p>`, '<ol class="records">');
  const bases = new Map<string, { purpose: string; dpv: string; basis: string }>();
  const notices = new Map<string, string>();
  for (const row of input.rows) {
    const record = row.record;
    const source = (record.source ?? {}) as { url?: string };
    const notice = (record.notice ?? {}) as { version?: string; digest?: string };
    if (notice.version) notices.set(`${notice.version} ${notice.digest ?? ''}`, interpolate(s.noticeVersion, { version: notice.version, digest: notice.digest ?? '' }));
    const facts: [string, unknown][] = [
      [s.page, source.url],
      [s.language, record.locale],
    ];
    if (row.type === 'consent') {
      const decisions = (record.decisions as Decision[] | undefined) ?? [];
      const processing = (record.processing as Processing[] | undefined) ?? [];
      for (const d of decisions) bases.set(`${d.purpose} consent`, { purpose: d.purpose, dpv: d.dpv ?? '', basis: 'consent' });
      for (const p of processing) bases.set(`${p.purpose} ${p.basis}`, { purpose: p.purpose, dpv: p.dpv ?? '', basis: p.basis });
      parts.push(
        `<li><h3>${e(interpolate(s.consentRecord, { date: when(row.receivedAt) }))}</h3>`,
        `<dl>${facts.map(([k, v]) => `<dt>${e(k)}</dt><dd>${e(v)}</dd>`).join('')}</dl>`,
        `<ul>${decisions.map((d) => `<li>${e(label(d.purpose))}: ${e(d.granted ? s.given : s.withdrawn)}; ${e(interpolate(s.shownText, { text: d.text }))}</li>`).join('')}${processing
          .map((p) => `<li>${e(interpolate(s.processing, { purpose: label(p.purpose), basis: s.bases[p.basis as keyof typeof s.bases] ?? p.basis }))}</li>`)
          .join('')}</ul></li>`,
      );
    } else {
      const person = (record.subject ?? {}) as Record<string, unknown>;
      const more: [string, unknown][] = [
        [s.name, person.name],
        [s.email, person.email],
        ...(person.organisation ? [[s.organisation, person.organisation] as [string, unknown]] : []),
        ...(person.phone ? [[s.phone, person.phone] as [string, unknown]] : []),
        ...(record.details ? [[s.details, record.details] as [string, unknown]] : []),
      ];
      parts.push(
        `<li><h3>${e(interpolate(s.requestRecord, { date: when(row.receivedAt), type: requestTypeLabel(String(record.requestType), locale) }))}</h3>`,
        `<dl>${[...more, ...facts].map(([k, v]) => `<dt>${e(k)}</dt><dd>${e(v)}</dd>`).join('')}</dl></li>`,
      );
    }
  }
  parts.push('</ol>');

  // The consents as they stand.
  const states = currentConsents(input.rows, input.events, input.now);
  parts.push(`<h2>${e(s.currentTitle)}</h2>`);
  parts.push(
    states.length
      ? `<ul>${states
          .map((st) => {
            const text = st.pending && !st.granted ? s.currentPending : st.granted ? s.currentOn : s.currentOff;
            return `<li>${e(interpolate(text, { label: label(st.purpose), date: when(st.decidedAt) }))}</li>`;
          })
          .join('')}</ul>`
      : `<p>${e(s.noConsents)}</p>`,
  );

  // The receiver's own records about the address, and the mails it sent.
  if (input.events.length) {
    parts.push(`<h2>${e(s.eventsTitle)}</h2>`, '<ul>');
    for (const event of input.events) {
      const text = s.events[event.kind];
      parts.push(`<li>${e(interpolate(text, { date: when(event.at), action: String(event.data.action ?? '') }))}</li>`);
    }
    parts.push('</ul>');
  }
  parts.push(`<h2>${e(s.mailsTitle)}</h2>`);
  const mails = input.document.mails;
  parts.push(
    mails.length
      ? `<ul>${mails
          .map((m) => {
            const subjectLine = String((m.message as { subject?: unknown } | undefined)?.subject ?? '');
            return `<li>${e(m.sentAt ? interpolate(s.mailSent, { date: when(m.sentAt), subject: subjectLine }) : interpolate(s.mailNotSent, { subject: subjectLine }))}</li>`;
          })
          .join('')}</ul>`
      : `<p>${e(s.noMails)}</p>`,
  );

  // Purposes and their lawful bases, as the records state them.
  if (bases.size) {
    parts.push(`<h2>${e(s.purposesTitle)}</h2>`, `<p>${e(s.purposesIntro)}</p>`, '<ul>');
    for (const b of bases.values()) {
      parts.push(`<li>${e(interpolate(s.purpose, { label: label(b.purpose), dpv: b.dpv, basis: s.bases[b.basis as keyof typeof s.bases] ?? b.basis }))}</li>`);
    }
    parts.push('</ul>');
  }

  // The notice: the versions the person saw, and what it says of recipients, retention, rights.
  parts.push(`<h2>${e(s.noticeTitle)}</h2>`);
  if (notices.size) parts.push(`<p>${e(s.noticeVersions)}</p>`, `<ul>${[...notices.values()].map((n) => `<li>${e(n)}</li>`).join('')}</ul>`);
  const notice = input.notices[locale];
  const quoted = notice ? notice.sections.filter((section) => (ANSWER_SECTIONS as readonly string[]).includes(section.id)) : [];
  if (notice && quoted.length) {
    parts.push(`<p>${e(interpolate(s.noticeQuoted, { version: notice.version, updated: notice.updated }))}</p>`);
    for (const section of quoted) parts.push(`<section><h3>${e(section.heading)}</h3>${section.blocks.map(block).join('')}</section>`);
  } else {
    const version = [...notices.keys()].at(-1)?.split(' ')[0] ?? '';
    parts.push(`<p>${e(interpolate(s.noticeWhere, { version }))}</p>`);
  }
  if (!quoted.some((section) => section.id === 'rights')) parts.push(`<h2>${e(s.rightsTitle)}</h2>`, `<p>${e(s.rights)}</p>`);

  // The machine-readable copy: what `export --email` prints.
  parts.push(`<h2>${e(s.machineTitle)}</h2>`, `<p>${e(s.machineIntro)}</p>`, `<pre id="export">${e(JSON.stringify(input.document, null, 2))}</pre>`);

  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${e(s.title)}</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; color: #1a1a1a; max-width: 50rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.75rem; } h2 { font-size: 1.35rem; margin-top: 2rem; border-bottom: 1px solid #ccc; } h3 { font-size: 1.1rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; } dt { font-weight: 600; } dd { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f4f4f4; padding: 1rem; font-size: 0.8rem; }
@media print { pre { font-size: 0.7rem; } }
</style>
</head>
<body>
<main>
${parts.join('\n')}
</main>
</body>
</html>
`;
}
