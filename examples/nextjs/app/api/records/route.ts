// app/api/records/route.ts: the forms' `endpoint="/api/records"` posts here.
import { receiver } from '../../../lib/receiver';

export const runtime = 'nodejs'; // SQLite and node:crypto: not the edge runtime
export const dynamic = 'force-dynamic';

export async function POST(request: Request): Promise<Response> {
  return (await receiver).fetch(request);
}

/** CORS preflight, for forms on the origins listed in `allowedOrigins`. */
export async function OPTIONS(request: Request): Promise<Response> {
  return (await receiver).fetch(request);
}
