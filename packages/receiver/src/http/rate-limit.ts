import { isIPv4, isIPv6 } from 'node:net';

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

/** The eight 16-bit groups of an IPv6 address (zone id dropped, embedded IPv4 folded in), or undefined. */
function ipv6Groups(address: string): number[] | undefined {
  let text = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
  const groups = [...head, ...Array<number>(missing).fill(0), ...tail];
  return groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

/**
 * What limits and mail caps count a client by: an IPv4 address as it is, an
 * IPv6 address by its /64. One subscriber line or host is given a whole /64,
 * so counting single IPv6 addresses would give one client 2^64 buckets.
 * IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`) count as their IPv4 address.
 */
export function clientKey(address: string): string {
  if (isIPv4(address)) return address;
  const groups = isIPv6(address.replace(/^\[|\]$/g, '').replace(/%.*$/, '')) ? ipv6Groups(address) : undefined;
  if (!groups) return address;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `${groups[6]! >> 8}.${groups[6]! & 0xff}.${groups[7]! >> 8}.${groups[7]! & 0xff}`;
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}
