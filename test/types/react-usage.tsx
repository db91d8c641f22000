// Compiled by the typecheck only: React 19 users get checked tags and attributes.
import type {} from '../../src/react.js';
import type { ConsentChangeEvent, RecordSentEvent } from '../../src/events.js';

export function Page() {
  const onChange = (event: ConsentChangeEvent) => console.log(event.detail.purpose, event.detail.granted);
  const onSent = (event: RecordSentEvent) => console.log(event.detail.receipt);
  return (
    <main>
      <privacy-notice lang="en" heading-level={1} request-href="/request" />
      <consent-form purposes="newsletter events" processing="event-participation" endpoint="/api/records" onconsent-change={onChange} onrecord-sent={onSent} />
      <consent-toggle purpose="blog" />
      <data-request-form request-type="access" email="maija@example.fi" />
      {/* @ts-expect-error: heading-level is a number */}
      <privacy-notice heading-level="two" />
      {/* @ts-expect-error: not a request type */}
      <data-request-form request-type="delete-everything" />
      {/* @ts-expect-error: a toggle needs its purpose */}
      <consent-toggle />
      {/* @ts-expect-error: purposes is a space-separated string */}
      <consent-form purposes={['newsletter']} />
    </main>
  );
}
