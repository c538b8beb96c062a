// Where the embedded database's Unix socket lives, and what to do with one a killed process left behind.
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** pg connects to `${host}/.s.PGSQL.${port}`, the Postgres convention for Unix sockets. */
export const SOCKET_NAME = '.s.PGSQL.5432';
/** Linux's sun_path holds 108 bytes with the terminating NUL. */
const MAX_SOCKET_PATH = 107;

export interface SocketPlace {
  /** The folder holding the socket: pg's `host`. */
  dir: string;
  path: string;
  /** True when the folder is one of ours in the OS temp folder (removed on close), not the data folder. */
  own: boolean;
}

/**
 * The socket sits in the data folder itself (absolute), like a Postgres server's `unix_socket_directories =
 * $PGDATA`: nothing is left in /tmp after a kill -9, the socket is as private as the data, and two processes
 * opening one folder meet at the same path (see `claimSocket`). When that path would pass the 107-byte limit,
 * it goes to a private (0700) folder in the OS temp folder named after the data folder, so a later start
 * still finds (and reuses) what a killed one left there.
 */
export function socketPlaceFor(dataDir: string): SocketPlace {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true }); // PGlite itself creates only the last path segment
  if (join(dir, SOCKET_NAME).length <= MAX_SOCKET_PATH)
    return { dir, path: join(dir, SOCKET_NAME), own: false };
  const uid = process.getuid?.() ?? 0;
  const hash = createHash('sha256').update(dir).digest('hex').slice(0, 16);
  const own = join(tmpdir(), `gradscope-pglite-${uid}-${hash}`);
  mkdirSync(own, { recursive: true, mode: 0o700 });
  const st = lstatSync(own);
  // Another user could have made the name first (to listen in our place): refuse anything not ours alone.
  if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0)
    throw new Error(`the embedded database's socket folder ${own} is not a private folder of this user`);
  return { dir: own, path: join(own, SOCKET_NAME), own: true };
}

/**
 * Makes `path` free to listen on. A socket that answers belongs to a live process serving the same data
 * folder: waited for up to `busyWaitMs` (the database process of a service that was just killed closes the
 * folder, then its socket), then refused (two PGlite instances on one folder corrupt it). One that refuses
 * was left by a process that died without closing (kill -9 of the database process itself): removed.
 */
export async function claimSocket(path: string, busyWaitMs = 0): Promise<void> {
  const deadline = Date.now() + busyWaitMs;
  let answer = await probeSocket(path);
  while (answer === 'live' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    answer = await probeSocket(path);
  }
  if (answer === 'live')
    throw new Error(`another process is serving this embedded database (its socket ${path} answers)`);
  if (answer === 'stale') unlinkSync(path);
}

function probeSocket(path: string): Promise<'live' | 'stale' | 'none'> {
  return new Promise((done) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      done('live');
    });
    s.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'ENOENT' ? 'none' : 'stale'));
  });
}
