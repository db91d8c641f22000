// React 19 passes attributes, properties and custom-event listeners to custom elements as plain props.
import '@optimesys/privacy-widgets/consent-form/define'; // registers <consent-form> (and its <consent-toggle>)
import '@optimesys/privacy-widgets/privacy-notice/define'; // registers <privacy-notice>
import type {} from '@optimesys/privacy-widgets/react'; // JSX types: checked tags, attributes and events
import type { NoticeDocument } from '@optimesys/privacy-widgets';
import { useState } from 'react';

// Your own notice, passed as a property. Also give it to configure({ notices: { en: notice } })
// so consent records name this notice rather than the built-in one.
const notice: NoticeDocument = {
  version: '2026-01',
  lang: 'en',
  title: 'Example Ltd privacy notice',
  updated: '2026-01-15',
  sections: [
    { id: 'controller', heading: 'Controller', blocks: [{ type: 'paragraph', text: 'Example Ltd, privacy@example.com' }] },
    { id: 'rights', heading: 'Your rights', blocks: [{ type: 'request-link', text: 'Send a data request' }] },
  ],
};

export default function App() {
  const [choice, setChoice] = useState('');
  const [saved, setSaved] = useState('');
  return (
    <main>
      <consent-form
        lang="en"
        purposes="newsletter events"
        endpoint="/api/records"
        onconsent-change={(event) => setChoice(`${event.detail.purpose}: ${event.detail.granted ? 'on' : 'off'}`)}
        onrecord-sent={(event) => setSaved(event.detail.record.id)}
      ></consent-form>
      <p id="last-choice">{choice}</p>
      <p id="saved">{saved && `Saved, reference ${saved}`}</p>
      <privacy-notice lang="en" heading-level={2} request-href="/request" notice={notice}></privacy-notice>
    </main>
  );
}
