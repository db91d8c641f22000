/**
 * `serve --workers N`: N receiver processes on one port (`node:cluster`, the
 * primary hands connections round-robin). Nothing that must hold across them
 * lives in a process: records, the mail and webhook queues (claimed with
 * leases) and the per-address mail caps are in the store. The request rate
 * limit is counted in each worker.
 *
 * The primary only supervises: SIGTERM (or SIGINT) drains every worker (each
 * finishes what it accepted, then closes its store).
 *
 * A worker that cannot reach the database does not exit: it waits for it
 * (store-wait.ts) and listens once it answers, while the others serve. So a
 * worker that exits with an error before it ever listened failed for a
 * reason waiting cannot mend (a bad key file, a refused login, a schema
 * newer than this receiver): that stops the whole receiver with exit 1, as a
 * replacement would fail the same way.
 *
 * A worker that dies otherwise (it had listened, or a signal killed it) is
 * logged and replaced. While replacements keep dying young, each waits longer,
 * so that a crash loop does not burn the CPU and flood the log:
 *
 *   the 1st death at once, then 1 s, 2 s, 4 s, … doubling up to 60 s;
 *   a worker that had been up 60 s when it died starts the count again;
 *   after 15 minutes of deaths without one worker staying up 60 s, the
 *   primary stops the rest and exits 1 (for the service manager to restart
 *   the receiver or to alert someone).
 */
import cluster, { type Worker } from 'node:cluster';

export interface PrimaryOptions {
  workers: number;
  host: string;
  /** The start-up line, once every worker listens. */
  started(url: string): void;
}

/** Up this long, a worker counts as healthy: its death is not part of a crash loop. */
export const STABLE_MS = 60_000;
/** The longest wait before a replacement. */
export const MAX_RESPAWN_MS = 60_000;
/** How long workers may keep dying young before the primary gives up. */
export const GIVE_UP_MS = 15 * 60_000;

/** The wait before replacing the `streak`-th worker in a row to die young (1: the first). */
export const respawnDelay = (streak: number) => (streak <= 1 ? 0 : Math.min(1000 * 2 ** (streak - 2), MAX_RESPAWN_MS));

/** Runs the primary process; resolves never (it exits the process when the workers have stopped). */
export function runPrimary(options: PrimaryOptions): Promise<void> {
  /** When each listening worker started to listen. */
  const listening = new Map<Worker, number>();
  const pending = new Set<NodeJS.Timeout>();
  let announced = false;
  let stopping = false;
  let failed = false;
  let streak = 0;
  let streakSince = 0;

  const fork = () => cluster.fork({ PRIVACY_RECEIVER_WORKER: '1' });

  cluster.on('listening', (worker, address) => {
    listening.set(worker, Date.now());
    if (announced) return console.log(`receiver: worker ${worker.process.pid} listening (${listening.size} of ${options.workers} workers)`);
    if (listening.size < options.workers) return;
    announced = true;
    const host = options.host.includes(':') ? `[${options.host}]` : options.host;
    options.started(`http://${host}:${address.port}/`);
  });

  const exitWhenDone = () => {
    // A worker's 'exit' can come before its IPC 'disconnect', and cluster lists it until then: count the living.
    if (Object.values(cluster.workers ?? {}).some((worker) => worker && !worker.isDead())) return;
    process.exit(failed ? 1 : 0);
  };

  cluster.on('exit', (worker, code, signal) => {
    const how = signal ? `signal ${signal}` : `code ${String(code)}`;
    const since = listening.get(worker);
    listening.delete(worker);
    const dead = `receiver: worker ${worker.process.pid} exited with ${how}`;
    if (stopping) {
      if (code !== 0) failed = true;
      return exitWhenDone();
    }
    if (since === undefined && !signal && code !== 0) {
      console.error(`${dead} before it listened; stopping`);
      failed = true;
      return stop();
    }
    const now = Date.now();
    if (since !== undefined && now - since >= STABLE_MS) streak = 0;
    if (streak++ === 0) streakSince = now;
    if (now - streakSince >= GIVE_UP_MS) {
      console.error(`${dead}; workers kept dying for ${GIVE_UP_MS / 60_000} minutes without one staying up ${STABLE_MS / 1000} s; stopping`);
      failed = true;
      return stop();
    }
    // What it had answered 201 is stored; what it had leased is sent by another once the lease runs out.
    const delay = respawnDelay(streak);
    console.error(`${dead}; starting another${delay ? ` in ${delay / 1000} s (${streak} in a row died before staying up ${STABLE_MS / 1000} s)` : ''}`);
    const timer = setTimeout(() => {
      pending.delete(timer);
      fork();
    }, delay);
    pending.add(timer);
  });

  const stop = (signal?: string) => {
    if (stopping) return;
    stopping = true;
    for (const timer of pending) clearTimeout(timer);
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    if (signal) process.once('exit', () => console.log(`receiver: stopped on ${signal}`));
    exitWhenDone();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  for (let i = 0; i < options.workers; i++) fork();
  return new Promise(() => undefined);
}

/** True in a process `runPrimary` forked. */
export const isWorker = () => cluster.isWorker && process.env.PRIVACY_RECEIVER_WORKER === '1';
