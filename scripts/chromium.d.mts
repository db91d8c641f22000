import type { Browser } from 'puppeteer-core';
/** Debian's Chromium, headless, with the flags this machine needs. */
export function launchChromium(): Promise<Browser>;
