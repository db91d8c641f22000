import { emulateMedia } from '@web/test-runner-commands';

type Media = Parameters<typeof emulateMedia>[0];

/**
 * Emulates media features where the browser allows it (Chromium through CDP).
 * Firefox over WebDriver BiDi cannot; returns false there so a test can skip.
 */
export async function tryEmulateMedia(media: Media): Promise<boolean> {
  try {
    await emulateMedia(media);
    return true;
  } catch {
    return false;
  }
}

/** Resolves once the window has stopped scrolling (or after `timeout` ms). */
export function scrollSettled(timeout = 1500): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      window.removeEventListener('scrollend', done);
      resolve();
    };
    const timer = setTimeout(done, timeout);
    window.addEventListener('scrollend', done);
  });
}
