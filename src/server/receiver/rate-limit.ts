/**
 * Token bucket per client address: `burst` requests at once, refilled at
 * `perSecond`. Memory and time per request stay bounded whatever the number of
 * addresses: the buckets live in a Map kept in least-recently-used order (a
 * touched key is moved to the end), and past `capacity` the oldest one goes.
 * An evicted bucket starts full again, which only ever favours a visitor; an
 * attacker would need `capacity` real addresses in between to reset their own.
 */
export function rateLimiter({
  burst,
  perSecond,
  capacity = 50_000,
  now = () => Date.now(),
}: {
  burst: number;
  perSecond: number;
  capacity?: number;
  now?: () => number;
}) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    /** Takes one token; returns 0 if allowed, else the seconds to wait. */
    take(key: string): number {
      const t = now();
      let bucket = buckets.get(key);
      if (bucket) {
        buckets.delete(key);
        bucket.tokens = Math.min(burst, bucket.tokens + ((t - bucket.at) / 1000) * perSecond);
        bucket.at = t;
      } else {
        bucket = { tokens: burst, at: t };
        if (buckets.size >= capacity) buckets.delete(buckets.keys().next().value!);
      }
      buckets.set(key, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
    },
    /** Buckets held now (at most `capacity`). */
    get size() {
      return buckets.size;
    },
  };
}

/**
 * The client's address. Behind `hops` proxies of your own, each appending the
 * address it saw to `X-Forwarded-For`, the client is the `hops`-th entry from
 * the right: entries further left were written by the client and prove nothing.
 * With fewer entries than hops, the leftmost one is the best there is.
 */
export function forwardedClient(forwardedFor: string | null | undefined, hops: number): string | undefined {
  if (!hops || !forwardedFor) return undefined;
  const entries = forwardedFor
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (!entries.length) return undefined;
  return entries[Math.max(0, entries.length - hops)];
}
