/**
 * `serve --workers N`: N receiver processes on one port (`node:cluster`, the
 * primary hands connections round-robin). Nothing that must hold across them
 * lives in a process: records, the mail and webhook queues (claimed with
 * leases) and the per-address mail caps are in the store. The request rate
 * limit is counted in each worker.
 *
 * The primary only supervises: SIGTERM (or SIGINT) drains every worker (each
 * finishes what it accepted, then closes its store); a worker that dies is
 * logged and replaced; a worker that dies before it ever listened stops the
 * whole receiver (a start-up failure a replacement would repeat).
 */
import cluster, { type Worker } from 'node:cluster';

export interface PrimaryOptions {
  workers: number;
  host: string;
  /** The start-up line, once every worker listens. */
  started(url: string): void;
}

/** Runs the primary process; resolves never (it exits the process when the workers have stopped). */
export function runPrimary(options: PrimaryOptions): Promise<void> {
  const listened = new Set<Worker>();
  let announced = false;
  let stopping = false;
  let failed = false;

  const fork = () => cluster.fork({ PRIVACY_RECEIVER_WORKER: '1' });

  cluster.on('listening', (worker, address) => {
    listened.add(worker);
    if (announced || listened.size < options.workers) return;
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
    const wasListening = listened.delete(worker);
    if (stopping) {
      if (code !== 0) failed = true;
      return exitWhenDone();
    }
    if (!wasListening) {
      // It never served: a replacement would fail the same way (a bad key file, a database that refuses us).
      console.error(`receiver: worker ${worker.process.pid} exited with ${how} before it listened; stopping`);
      failed = true;
      return stop();
    }
    // What it had answered 201 is stored; what it had leased is sent by another once the lease runs out.
    console.error(`receiver: worker ${worker.process.pid} exited with ${how}; starting another`);
    fork();
  });

  const stop = (signal?: string) => {
    if (stopping) return;
    stopping = true;
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
