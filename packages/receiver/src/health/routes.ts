/**
 * The health family, for load balancers and orchestrators: `/healthz`
 * (liveness: the process answers; it does not touch the store) and `/readyz`
 * (readiness: the store reads and writes and its schema is current).
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { declareRoute, json, refusal } from '../http/answers.js';
import { refuse } from '../http/refusal.js';
import type { RecordStore } from '../store/store.js';

/** How long `/readyz` waits for the store's probe before answering 503. */
const READY_TIMEOUT_MS = 3000;
/** How long one probe's outcome answers `/readyz`: a balancer polling it costs the store one write a second at most. */
const READY_CACHE_MS = 1000;

const Health = z.object({ ok: z.literal(true) }).openapi('Health');

export function healthRoutes(store: Pick<RecordStore, 'check'>): OpenAPIHono {
  const app = new OpenAPIHono();
  app.openapi(
    declareRoute({
      method: 'get',
      path: '/healthz',
      summary: 'Liveness probe: 200 while the process answers (it does not touch the store)',
      answers: [json(200, 'The process is alive.', Health)],
    }),
    (c) => c.json({ ok: true }, 200, { 'cache-control': 'no-store' }),
  );

  // Concurrent probes share one check, and its outcome answers for a second; a change of state is logged once.
  let probe: { at: number; result: Promise<boolean> } | undefined;
  let wasReady: boolean | undefined;
  const ready = (): Promise<boolean> => {
    const now = Date.now();
    if (probe && now - probe.at < READY_CACHE_MS) return probe.result;
    const result = new Promise<void>((resolve, reject) => {
      // A probe that hangs (a database that went away mid-connect) answers 503 in time for the balancer.
      const timer = setTimeout(() => reject(new Error(`no answer from the store within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
      store.check().then(resolve, reject).finally(() => clearTimeout(timer));
    }).then(
      () => {
        if (wasReady === false) console.error('[receiver] the store is ready again');
        return (wasReady = true);
      },
      (error: unknown) => {
        if (wasReady !== false) console.error('[receiver] not ready: the store cannot store records:', (error as Error)?.message ?? error);
        return (wasReady = false);
      },
    );
    probe = { at: now, result };
    return result;
  };
  app.openapi(
    declareRoute({
      method: 'get',
      path: '/readyz',
      summary: 'Readiness probe (load balancers, Kubernetes): 200 while the store can read and write and its schema is current',
      answers: [
        json(200, 'Ready to take records.', Health),
        refusal(503, 'The store does not answer or its schema is not current.', ['store-unavailable'], 'retry-after'),
      ],
    }),
    async (c) =>
      (await ready())
        ? c.json({ ok: true }, 200, { 'cache-control': 'no-store' })
        : refuse(c, 503, 'store-unavailable', 'The receiver cannot store records now.', { 'cache-control': 'no-store', 'retry-after': '5' }),
  );
  return app;
}
