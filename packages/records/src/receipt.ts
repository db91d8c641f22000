/**
 * Checking a server's countersigned receipt in the browser (WebCrypto only).
 * The receipt proves the server received exactly our JWS: it signs the
 * SHA-256 of the JWS string, with a key published at `/.well-known/jwks.json`.
 */
import { parseCompact, sha256Hex, utf8, verifyEs256 } from './jws.js';
import { ReceiptPayload } from './schemas.js';

/** A JWK Set as served at `/.well-known/jwks.json`. */
export interface Jwks {
  keys: readonly { kty?: string; crv?: string; x?: string; y?: string; kid?: string }[];
}

export type ReceiptCheck =
  | { ok: true; payload: ReceiptPayload; kid: string }
  | { ok: false; error: { code: 'malformed' | 'unknown-key' | 'bad-signature' | 'jws-mismatch'; message: string } };

/**
 * Verifies a receipt JWS against the server's JWKS and, when `clientJws` is
 * given, that it acknowledges exactly that JWS. Never throws for bad input.
 */
export async function verifyReceipt(receiptJws: string, jwks: Jwks, clientJws?: string): Promise<ReceiptCheck> {
  const fail = (code: Extract<ReceiptCheck, { ok: false }>['error']['code'], message: string): ReceiptCheck => ({
    ok: false,
    error: { code, message },
  });
  let parsed;
  try {
    parsed = parseCompact(receiptJws);
  } catch {
    return fail('malformed', 'Not a compact JWS');
  }
  const { alg, kid } = parsed.header;
  if (alg !== 'ES256' || typeof kid !== 'string') return fail('malformed', 'Expected an ES256 receipt with a kid');
  const key = jwks.keys.find((k) => k.kid === kid && k.kty === 'EC' && k.crv === 'P-256');
  if (!key?.x || !key.y) return fail('unknown-key', `No P-256 key ${kid} in the JWKS`);
  let valid = false;
  try {
    valid = await verifyEs256({ kty: 'EC', crv: 'P-256', x: key.x, y: key.y }, parsed);
  } catch {
    valid = false;
  }
  if (!valid) return fail('bad-signature', 'The receipt signature does not verify');
  let payload: ReceiptPayload;
  try {
    const checked = ReceiptPayload.safeParse(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(parsed.payload)));
    if (!checked.success) return fail('malformed', 'The receipt payload has the wrong shape');
    payload = checked.data;
  } catch {
    return fail('malformed', 'The receipt payload is not JSON');
  }
  if (clientJws !== undefined && payload.jwsSha256 !== (await sha256Hex(utf8(clientJws)))) {
    return fail('jws-mismatch', 'The receipt acknowledges a different record');
  }
  return { ok: true, payload, kid };
}
