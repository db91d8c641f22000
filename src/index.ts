// Every public export; importing this module defines no element.
export { PrivacyNotice } from './notice/privacy-notice.js';
export {
  NoticeDocument,
  NoticeSection,
  NoticeBlock,
  NOTICE_TOPICS,
  parseNotice,
  type NoticeTopic,
} from './notice/notice-schema.js';
export { checkNotice, type NoticeFinding } from './notice/check-notice.js';
export { LOCALES, type Locale } from './i18n.js';
