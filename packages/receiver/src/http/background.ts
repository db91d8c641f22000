/**
 * Background work (mail, webhook deliveries) gives way to requests: a visitor
 * waits for the answer to a post, a confirmation mail can wait a second. While
 * requests are in flight the senders claim nothing, except once per `maxDeferMs`
 * so a long burst never starves them; when the receiver falls idle they are woken.
 */
export interface Background {
  /** True when a sender should leave its claim for later. */
  defer(): boolean;
  /** A request started or ended (the app's in-flight count). */
  busy(inFlight: number): void;
  /** Senders to wake once the receiver is idle. */
  onIdle(wake: () => void): void;
}

export function background({ maxDeferMs = 1000, idleMs = 5 } = {}): Background {
  let inFlight = 0;
  let lastClaim = 0;
  let timer: NodeJS.Timeout | undefined;
  const wakers: (() => void)[] = [];
  return {
    defer() {
      const now = Date.now();
      if (inFlight > 0 && now - lastClaim < maxDeferMs) return true;
      lastClaim = now;
      return false;
    },
    busy(count) {
      inFlight = count;
      if (count > 0 || timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        if (inFlight === 0) for (const wake of wakers) wake();
      }, idleMs);
      timer.unref?.();
    },
    onIdle(wake) {
      wakers.push(wake);
    },
  };
}
