import type { Browser } from 'puppeteer-core';
/** Debian's Chromium, headless, with the flags this machine needs. */
export function launchChromium(): Promise<Browser>;
export const CHROMIUM_ARGS: string[];
export const CHROMIUM_PATH: string;
