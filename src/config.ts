import type { Locale } from './i18n.js';
import type { NoticeDocument } from './notice/notice-schema.js';
import type { BackendAdapter } from './adapters/types.js';
import type { Signer } from '@optimesys/privacy-records/sign';
import type { Basis } from '@optimesys/privacy-records/vocabulary';

/** Texts of a purpose in one language, as the toggle and its info popover show them. */
export interface PurposeText {
  /** The switch label; recorded verbatim in the consent record. */
  label: string;
  /** What is sent. */
  sent: string;
  /** How often. */
  frequency: string;
  /** How long the data is kept. */
  retention: string;
  /** How to withdraw (or object). */
  withdraw: string;
}

/** A purpose a site adds to the built-in catalogue (newsletter, blog, events, event-participation). */
export interface PurposeDefinition {
  basis: Basis;
  /** W3C DPV purpose identifier, e.g. `dpv:DirectMarketing`. */
  dpv: string;
  /** Texts in every language the package speaks. */
  text: Record<Locale, PurposeText>;
}

/** Site-wide defaults, set once with `configure()` before or after the elements are defined. */
export interface PrivacyWidgetsConfig {
  /** Where records go. Overrides every element's `endpoint`. */
  adapter?: BackendAdapter;
  /** URL records are POSTed to when no `adapter` is set (e.g. `/api/records`). */
  endpoint?: string;
  /** Signs records; default: this browser's device key (`deviceSigner()`). */
  signer?: Signer;
  /** Extra purposes by id (a slug such as `webinar-recordings`). */
  purposes?: Record<string, PurposeDefinition>;
  /**
   * The notice this site shows, per language, when it is not OptimeSys'
   * built-in one: consent records name its version and SHA-256 digest.
   */
  notices?: Partial<Record<Locale, NoticeDocument>>;
  /** Link from the forms to the privacy notice. */
  noticeHref?: string;
  /** Link to the data-request form (used for objections). */
  requestHref?: string;
}

let current: Readonly<PrivacyWidgetsConfig> = {};
const listeners = new Set<() => void>();

/** Merges site-wide defaults; elements already on the page pick them up. */
export function configure(config: PrivacyWidgetsConfig): void {
  current = { ...current, ...config, purposes: { ...current.purposes, ...config.purposes } };
  listeners.forEach((listener) => listener());
}

export function getConfig(): Readonly<PrivacyWidgetsConfig> {
  return current;
}

/** Calls `listener` after each `configure()`; returns the unsubscribe function. */
export function onConfigure(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
