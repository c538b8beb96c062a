// The embedded PGlite database, served from a worker thread of its own (pglite-server.ts) over the Postgres
// wire protocol: the service reaches it through `pg` like a server, and its queries never run on this loop.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

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
  /** postgresql:// URL of the server (a Unix socket in a private folder), for `pg` and Prisma's adapter. */
  url: string;
  /** Stops serving and closes PGlite (checkpointing the folder); safe to call twice. */
  close(): Promise<void>;
}

/** The PGlite session answers one query at a time; this bounds how long a close may wait for one. */
const CLOSE_TIMEOUT_MS = 10_000;

/**
 * Starts PGlite on `dataDir` (creating the folder and its parents; a fresh folder costs an initdb, about
 * 2 s here) in a worker thread listening on a Unix socket. Only one process may open a folder. The socket's folder is
 * created private (0700) under the OS temp folder: no other user of the machine can connect, and its
 * path stays under the 107-byte socket-path limit wherever the data folder is.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  opts: { onUnexpectedExit?(err: Error): void } = {},
): Promise<EmbeddedPostgres> {
  const socketDir = mkdtempSync(join(tmpdir(), 'gradscope-pglite-'));
  // pg connects to `${host}/.s.PGSQL.${port}`, the Postgres convention for Unix sockets.
  const data: EmbeddedServerData = { dataDir, socketPath: join(socketDir, '.s.PGSQL.5432') };
  const worker = new Worker(new URL('./pglite-server.ts', import.meta.url), { workerData: data });
  const removeSocketDir = () => rmSync(socketDir, { recursive: true, force: true });
  let closing: Promise<void> | null = null;
  const message = (type: EmbeddedServerMessage['type']) =>
    new Promise<EmbeddedServerMessage>((resolve, reject) => {
      const onMessage = (m: EmbeddedServerMessage) => {
        if (m.type !== type && m.type !== 'failed') return;
        worker.off('message', onMessage);
        resolve(m);
      };
      worker.on('message', onMessage);
      worker.once('exit', (code) => reject(new Error(`the embedded database thread exited (code ${code})`)));
      worker.once('error', reject);
    });
  try {
    const first = await message('listening');
    if (first.type === 'failed')
      throw new Error(`cannot open the embedded database in ${dataDir}: ${first.message}`);
  } catch (err) {
    await worker.terminate();
    removeSocketDir();
    throw err;
  }
  worker.on('exit', (code) => {
    removeSocketDir();
    if (!closing) opts.onUnexpectedExit?.(new Error(`the embedded database thread exited (code ${code})`));
  });
  const query = new URLSearchParams({ host: socketDir });
  return {
    url: `postgresql://postgres@localhost/postgres?${query}`,
    close() {
      closing ??= (async () => {
        const closed = message('closed').catch(() => undefined);
        worker.postMessage('close');
        const timer = setTimeout(() => void worker.terminate(), CLOSE_TIMEOUT_MS);
        await closed;
        clearTimeout(timer);
        await worker.terminate();
      })();
      return closing;
    },
  };
}
