// The embedded PGlite database, served from a worker thread of its own (pglite-server.ts) over the Postgres
// wire protocol: the service reaches it through `pg` like a server, and its queries never run on this loop.
// Should the thread die, it is started again on the same socket (queries fail as an outage meanwhile).
import { rmSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { socketPlaceFor } from './pglite-socket.ts';

/** What the server thread (pglite-server.ts) is started with. */
export interface EmbeddedServerData {
  dataDir: string;
  socketPath: string;
}

/** What the server thread tells its parent. */
export type EmbeddedServerMessage =
  | { type: 'listening' }
  | { type: 'failed'; message: string }
  | { type: 'warning'; message: string }
  | { type: 'closed' };

export interface EmbeddedPostgres {
  /** postgresql:// URL of the server (its Unix socket's folder), for `pg` and Prisma's adapter. */
  url: string;
  /** Stops serving and closes PGlite (checkpointing the folder); safe to call twice. */
  close(): Promise<void>;
  /** Ends the thread abruptly, as a crash in it would (tests of what follows: the restart). */
  crash(): Promise<void>;
  /** Sets who hears of crashes and restarts (e.g. once the service's logger exists). */
  observe(observer: EmbeddedObserver): void;
}

export interface EmbeddedObserver {
  /** The thread ended without being asked to (it is restarted after `restartDelayMs`). */
  onUnexpectedExit?(err: Error): void;
  /** A restart failed (it is tried again, the delay doubling up to 30 s). */
  onRestartFailed?(err: Error): void;
  /** The thread serves again after a crash. */
  onRestarted?(): void;
}

export interface EmbeddedOptions extends EmbeddedObserver {
  /** Wait before the first restart (default 1 s): a thread that dies at once does not spin. */
  restartDelayMs?: number;
}

/** The PGlite session answers one query at a time; this bounds how long a close may wait for one. */
const CLOSE_TIMEOUT_MS = 10_000;
const RESTART_MAX_DELAY_MS = 30_000;
/** Threads that have exited (a Worker does not say so itself once its 'exit' has passed). */
const ended = new WeakSet<Worker>();

/**
 * Starts PGlite on `dataDir` (creating the folder and its parents; a fresh folder costs an initdb, about
 * 2 s here) in a worker thread listening on a Unix socket in the data folder (pglite-socket.ts). Only one
 * process may open a folder: a second is refused while the first serves it.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  opts: EmbeddedOptions = {},
): Promise<EmbeddedPostgres> {
  const place = socketPlaceFor(dataDir);
  const data: EmbeddedServerData = { dataDir, socketPath: place.path };
  let worker = await startThread(data);
  let closing: Promise<void> | null = null;
  let restart: { timer: NodeJS.Timeout } | { starting: Promise<void> } | null = null;
  let delay = opts.restartDelayMs ?? 1000;
  let observer: EmbeddedObserver = opts;

  const watch = (w: Worker) =>
    w.once('exit', (code) => {
      if (closing) return;
      observer.onUnexpectedExit?.(new Error(`the embedded database thread exited (code ${code})`));
      schedule();
    });
  const schedule = () => {
    const timer = setTimeout(() => {
      const starting = startThread(data).then(
        (w) => {
          restart = null;
          worker = w;
          watch(w);
          delay = opts.restartDelayMs ?? 1000;
          if (!closing) observer.onRestarted?.();
        },
        (err: Error) => {
          restart = null;
          if (closing) return;
          observer.onRestartFailed?.(err);
          delay = Math.min(delay * 2, RESTART_MAX_DELAY_MS);
          schedule();
        },
      );
      restart = { starting };
    }, delay);
    restart = { timer };
  };
  watch(worker);

  const query = new URLSearchParams({ host: place.dir });
  return {
    url: `postgresql://postgres@localhost/postgres?${query}`,
    close() {
      closing ??= (async () => {
        if (restart && 'timer' in restart) clearTimeout(restart.timer);
        else if (restart) await restart.starting;
        await stopThread(worker);
        if (place.own) rmSync(place.dir, { recursive: true, force: true });
      })();
      return closing;
    },
    async crash() {
      await worker.terminate();
    },
    observe(o) {
      observer = o;
    },
  };
}

/** A thread serving `data`, once it listens; it is ended (and the reason thrown) if it cannot. */
async function startThread(data: EmbeddedServerData): Promise<Worker> {
  const worker = new Worker(new URL('./pglite-server.ts', import.meta.url), {
    workerData: data,
    execArgv: threadExecArgv(),
  });
  worker.once('exit', () => ended.add(worker));
  try {
    const first = await message(worker, 'listening');
    if (first.type === 'failed')
      throw new Error(`cannot open the embedded database in ${data.dataDir}: ${first.message}`);
    return worker;
  } catch (err) {
    await worker.terminate();
    throw err;
  }
}

/**
 * No options for the thread when Node strips types itself (Node ≥ 22.18; our three files here use only
 * erasable syntax), else the parent's (its loader). tsx in the thread cost 0.3–0.5 CPU s of every open, on
 * the way to /readyz (BENCHMARKS.md). None rather than the parent's minus tsx: a Worker refuses V8 flags such
 * as --expose-gc in execArgv. (A loader given in NODE_OPTIONS, as in tests, still applies.)
 */
const threadExecArgv = (): string[] | undefined => (process.features.typescript ? [] : undefined);

/** Asks the thread to close PGlite (a checkpoint) and waits for it, ending it after CLOSE_TIMEOUT_MS. */
async function stopThread(worker: Worker): Promise<void> {
  if (ended.has(worker)) return; // a crash not yet restarted
  const closed = message(worker, 'closed').catch(() => undefined);
  worker.postMessage('close');
  const timer = setTimeout(() => void worker.terminate(), CLOSE_TIMEOUT_MS);
  await closed;
  clearTimeout(timer);
  await worker.terminate();
}

function message(worker: Worker, type: EmbeddedServerMessage['type']): Promise<EmbeddedServerMessage> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: EmbeddedServerMessage) => {
      if (m.type !== type && m.type !== 'failed') return;
      worker.off('message', onMessage);
      resolve(m);
    };
    worker.on('message', onMessage);
    worker.once('exit', (code) => reject(new Error(`the embedded database thread exited (code ${code})`)));
    worker.once('error', reject);
  });
}
