// The embedded PGlite database, served from a child process of its own (pglite-server.ts) over the Postgres
// wire protocol: the service reaches it through `pg` like a server, and its queries never run on this loop.
// A process rather than a worker thread: V8 keeps one registry of JIT code pages for all the threads of a
// process, and PGlite's large WASM module compiled and freed beside other threads' WASM (the training
// kernels) races it — a `Check failed: jit_page…` abort (SIGTRAP) or a SIGSEGV of the whole service, seen in
// our own test runs and upstream (nodejs/node#64500, Node 18–26, no fix). Should the process die, it is
// started again on the same socket (queries fail as an outage meanwhile); should the service die, it closes
// the folder and exits (its IPC channel closes).
import { type ChildProcess, fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { socketPlaceFor } from './pglite-socket.ts';

/** What the server process (pglite-server.ts) is started with (as JSON in its argv). */
export interface EmbeddedServerData {
  dataDir: string;
  socketPath: string;
  /** How long to wait for another process serving the folder to stop (see claimSocket). */
  busyWaitMs: number;
}

/** What the server process tells its parent. */
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
  /** Kills the server process (SIGKILL), as a crash in it would (tests of what follows: the restart). */
  crash(): Promise<void>;
  /** Sets who hears of crashes and restarts (e.g. once the service's logger exists). */
  observe(observer: EmbeddedObserver): void;
}

export interface EmbeddedObserver {
  /** The server process ended without being asked to (it is restarted after `restartDelayMs`). */
  onUnexpectedExit?(err: Error): void;
  /** A restart failed (it is tried again, the delay doubling up to 30 s). */
  onRestartFailed?(err: Error): void;
  /** The server process serves again after a crash. */
  onRestarted?(): void;
}

export interface EmbeddedOptions extends EmbeddedObserver {
  /** Wait before the first restart (default 1 s): a process that dies at once does not spin. */
  restartDelayMs?: number;
  /**
   * How long a start waits for another process serving the folder to stop before it is refused (default
   * 10 s): the server process of a service that was just killed needs a moment to close the folder.
   */
  busyWaitMs?: number;
}

/** The PGlite session answers one query at a time; this bounds how long a close may wait for one. */
const CLOSE_TIMEOUT_MS = 10_000;
const RESTART_MAX_DELAY_MS = 30_000;
/** Server processes that have exited. */
const ended = new WeakSet<ChildProcess>();

/**
 * Starts PGlite on `dataDir` (creating the folder and its parents; a fresh folder costs an initdb, about
 * 2 s here) in a child process listening on a Unix socket in the data folder (pglite-socket.ts). Only one
 * process may open a folder: a second is refused while the first serves it.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  opts: EmbeddedOptions = {},
): Promise<EmbeddedPostgres> {
  const place = socketPlaceFor(dataDir);
  const data: EmbeddedServerData = { dataDir, socketPath: place.path, busyWaitMs: opts.busyWaitMs ?? 10_000 };
  let server = await startServer(data);
  let closing: Promise<void> | null = null;
  let restart: { timer: NodeJS.Timeout } | { starting: Promise<void> } | null = null;
  let delay = opts.restartDelayMs ?? 1000;
  let observer: EmbeddedObserver = opts;

  const watch = (w: ChildProcess) =>
    w.once('exit', (code, signal) => {
      if (closing) return;
      observer.onUnexpectedExit?.(exitError(code, signal));
      schedule();
    });
  const schedule = () => {
    const timer = setTimeout(() => {
      const starting = startServer(data).then(
        (w) => {
          restart = null;
          server = w;
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
  watch(server);

  const query = new URLSearchParams({ host: place.dir });
  return {
    url: `postgresql://postgres@localhost/postgres?${query}`,
    close() {
      closing ??= (async () => {
        if (restart && 'timer' in restart) clearTimeout(restart.timer);
        else if (restart) await restart.starting;
        await stopServer(server);
        if (place.own) rmSync(place.dir, { recursive: true, force: true });
      })();
      return closing;
    },
    async crash() {
      const gone = exited(server);
      server.kill('SIGKILL');
      await gone;
    },
    observe(o) {
      observer = o;
    },
  };
}

/** A server process serving `data`, once it listens; it is ended (and the reason thrown) if it cannot. */
async function startServer(data: EmbeddedServerData): Promise<ChildProcess> {
  const child = fork(fileURLToPath(new URL('./pglite-server.ts', import.meta.url)), [JSON.stringify(data)], {
    execArgv: serverExecArgv(),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'json',
  });
  child.once('exit', () => ended.add(child));
  try {
    const first = await message(child, 'listening');
    if (first.type === 'failed')
      throw new Error(`cannot open the embedded database in ${data.dataDir}: ${first.message}`);
    return child;
  } catch (err) {
    await stopServer(child, 2000); // it exits by itself once it has said why
    throw err;
  }
}

/**
 * No options for the process when Node strips types itself (Node ≥ 22.18; our three files there use only
 * erasable syntax), else the parent's (its loader). tsx there cost 0.3–0.5 CPU s of every open, on the way to
 * /readyz (BENCHMARKS.md); and the parent's V8 flags (--expose-gc, --cpu-prof) are not the database's. (A
 * loader given in NODE_OPTIONS, as in tests, still applies.)
 */
const serverExecArgv = (): string[] => (process.features.typescript ? [] : process.execArgv);

/** Asks the process to close PGlite (a checkpoint) and waits for it to exit, killing it after `graceMs`. */
async function stopServer(child: ChildProcess, graceMs = CLOSE_TIMEOUT_MS): Promise<void> {
  if (ended.has(child)) return; // a crash not yet restarted
  const gone = exited(child);
  if (child.connected) child.send('close', () => {});
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(timer);
}

/** Resolves once `child` has exited (at once if it already has). */
function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (ended.has(child) ? resolve() : child.once('exit', () => resolve())));
}

function exitError(code: number | null, signal: NodeJS.Signals | null): Error {
  return new Error(`the embedded database process exited (${signal ? `signal ${signal}` : `code ${code}`})`);
}

function message(child: ChildProcess, type: EmbeddedServerMessage['type']): Promise<EmbeddedServerMessage> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: EmbeddedServerMessage) => {
      if (m.type !== type && m.type !== 'failed') return;
      child.off('message', onMessage);
      resolve(m);
    };
    child.on('message', onMessage);
    child.once('exit', (code, signal) => reject(exitError(code, signal)));
    child.once('error', reject);
  });
}
