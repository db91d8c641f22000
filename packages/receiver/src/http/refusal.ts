/**
 * How every route says no: a status, a stable machine code and a message,
 * answered as `{ error: { code, message } }`. The codes are public API (the
 * browser outbox and sites' own clients branch on them).
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** A refusal thrown from a middleware or handler; the app's error handler answers it with its headers. */
export class Refusal extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(status, { message });
  }
}

/** The refusal as an answer, for a handler that returns rather than throws. */
export const refuse = (c: Context, status: ContentfulStatusCode, code: string, message: string, headers: Record<string, string> = {}) =>
  c.json({ error: { code, message } }, status, headers);
