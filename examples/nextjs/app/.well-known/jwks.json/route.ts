// app/.well-known/jwks.json/route.ts: the key receipts are countersigned with.
import { receiver } from '../../../lib/receiver';

export const runtime = 'nodejs';

export async function GET(request: Request): Promise<Response> {
  return (await receiver).fetch(request);
}
