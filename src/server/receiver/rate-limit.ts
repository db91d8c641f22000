/**
 * Token bucket per client address: `burst` requests at once, refilled at
 * `perSecond`. Memory stays bounded: idle buckets are dropped.
 */
export function rateLimiter({ burst, perSecond, now = () => Date.now() }: { burst: number; perSecond: number; now?: () => number }) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    /** Takes one token; returns 0 if allowed, else the seconds to wait. */
    take(key: string): number {
      const t = now();
      const bucket = buckets.get(key) ?? { tokens: burst, at: t };
      bucket.tokens = Math.min(burst, bucket.tokens + ((t - bucket.at) / 1000) * perSecond);
      bucket.at = t;
      buckets.set(key, bucket);
      if (buckets.size > 10_000) {
        for (const [k, b] of buckets) if (b.tokens >= burst || t - b.at > 60_000) buckets.delete(k);
      }
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
    },
  };
}
