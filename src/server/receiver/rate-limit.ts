/**
 * Token bucket per client address: `burst` requests at once, refilled at
 * `perSecond`. Memory and time per request stay bounded whatever the number of
 * addresses: buckets live in two generations of at most `capacity / 2` each
 * (the "hashlru" scheme): a bucket used again moves to the young one, and when
 * the young one is full the old one is dropped whole. O(1) per request, no scan,
 * and no walk over a Map's deleted entries. A dropped bucket starts full again,
 * which only favours a visitor; resetting one's own needs `capacity / 2` other
 * real addresses in between.
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
  type Bucket = { tokens: number; at: number };
  const generation = Math.max(1, Math.floor(capacity / 2));
  let young = new Map<string, Bucket>();
  let old = new Map<string, Bucket>();
  const remember = (key: string, bucket: Bucket) => {
    young.set(key, bucket);
    if (young.size >= generation) {
      old = young;
      young = new Map();
    }
  };
  return {
    /** Takes one token; returns 0 if allowed, else the seconds to wait. */
    take(key: string): number {
      const t = now();
      let bucket = young.get(key);
      if (!bucket) {
        bucket = old.get(key) ?? { tokens: burst, at: t };
        old.delete(key);
        remember(key, bucket);
      }
      bucket.tokens = Math.min(burst, bucket.tokens + ((t - bucket.at) / 1000) * perSecond);
      bucket.at = t;
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
    },
    /** Buckets held now (at most `capacity`). */
    get size() {
      return young.size + old.size;
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
