import { getConfig } from '../config.js';
import type { Locale } from '../i18n.js';
import type { NoticeRef } from '@optimesys/privacy-records/schemas';
import refs from './notice-refs.json';

const digests = new WeakMap<object, Promise<string>>();

/**
 * The notice a record refers to, in the language shown: the site's own
 * (`configure({ notices })`, digested here once) or the built-in one, whose
 * version and digest the build computed (so forms need not download it).
 */
export async function noticeRef(locale: Locale): Promise<NoticeRef> {
  const custom = getConfig().notices?.[locale];
  if (!custom) return refs[locale];
  let digest = digests.get(custom);
  if (!digest) digests.set(custom, (digest = import('@optimesys/privacy-records/digest').then(({ noticeDigest }) => noticeDigest(custom))));
  return { version: custom.version, digest: await digest };
}
