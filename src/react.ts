/**
 * JSX types for React 19 (types only): add `import type {} from '@optimesys/privacy-widgets/react'`
 * once, and the tags, their attributes and their events are checked in TSX.
 * React 19 sets properties such as `notice` and listens to custom events
 * through `on<event-name>` props.
 */
import type { DetailedHTMLProps, HTMLAttributes } from 'react';
import type { ConsentForm } from './consent/consent-form.js';
import type { ConsentPreferences } from './consent/consent-preferences.js';
import type { ConsentToggle } from './consent/consent-toggle.js';
import type { ConsentChangeEvent, RecordFailedEvent, RecordQueuedEvent, RecordSentEvent } from './events.js';
import type { NoticeDocument } from './notice/notice-schema.js';
import type { PrivacyNotice } from './notice/privacy-notice.js';
import type { RequestType } from '@optimesys/privacy-records/vocabulary';
import type { DataRequestForm } from './request/data-request-form.js';

type Tag<T extends HTMLElement, Props> = DetailedHTMLProps<HTMLAttributes<T>, T> & Props;

interface RecordEvents {
  'onrecord-sent'?: (event: RecordSentEvent) => void;
  'onrecord-queued'?: (event: RecordQueuedEvent) => void;
  'onrecord-failed'?: (event: RecordFailedEvent) => void;
}

export interface PrivacyWidgetsJsx {
  'privacy-notice': Tag<
    PrivacyNotice,
    { src?: string; 'request-href'?: string; 'heading-level'?: number; notice?: NoticeDocument }
  >;
  'consent-toggle': Tag<
    ConsentToggle,
    { purpose: string; name?: string; disabled?: boolean; 'onconsent-change'?: (event: ConsentChangeEvent) => void }
  >;
  'consent-form': Tag<
    ConsentForm,
    RecordEvents & {
      purposes?: string;
      processing?: string;
      context?: string;
      endpoint?: string;
      'email-field'?: string;
      name?: string;
      'notice-href'?: string;
      'request-href'?: string;
      'onconsent-change'?: (event: ConsentChangeEvent) => void;
    }
  >;
  'consent-preferences': Tag<ConsentPreferences, { purposes?: string; endpoint?: string; token?: string; 'onrecord-sent'?: (event: RecordSentEvent) => void }>;
  'data-request-form': Tag<
    DataRequestForm,
    RecordEvents & {
      'request-type'?: RequestType;
      email?: string;
      endpoint?: string;
      'heading-level'?: number;
      'min-fill-ms'?: number;
    }
  >;
}

declare module 'react' {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace JSX {
    interface IntrinsicElements extends PrivacyWidgetsJsx {}
  }
}
