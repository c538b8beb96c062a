// Child process: opens the embedded PGlite database and serves it over the Postgres wire protocol on a
// Unix socket, so its queries (WASM, synchronous) run here instead of on the service's event loop, and its
// WASM code lives in a V8 of its own (see pglite.ts for why a process, not a thread).
import { createServer, type Socket } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import type { EmbeddedServerData, EmbeddedServerMessage } from './pglite.ts';
import { claimSocket } from './pglite-socket.ts';
import { WireMultiplexer } from './pglite-wire.ts';

const send = process.send?.bind(process);
if (!send || !process.argv[2])
  throw new Error('pglite-server.ts runs as a child process (see startEmbeddedPostgres)');
const { dataDir, socketPath, busyWaitMs } = JSON.parse(process.argv[2]) as EmbeddedServerData;
const post = (m: EmbeddedServerMessage) => process.connected && send(m);

// The service's signals are not ours: Ctrl-C reaches the whole process group and a supervisor may signal the
// whole control group, while the service still needs the database for its graceful shutdown (releasing runs,
// writing outcomes). It says when to close, or goes away (the IPC channel closes), and then we close.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => {});

try {
  // Listening first holds the socket's path while PGlite opens: a second process on the same folder finds
  // it answering and stops before it opens the folder too. Until then a connection can only be such a
  // probe, and is dropped; so is one that arrives once closing has begun.
  let mux: WireMultiplexer | null = null;
  let closing: Promise<void> | null = null;
  const server = createServer((socket: Socket) => (mux && !closing ? mux.attach(socket) : socket.destroy()));
  await claimSocket(socketPath, busyWaitMs);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  const db = await PGlite.create(dataDir).catch((err) => {
    server.close();
    throw err;
  });
  const served = new WireMultiplexer(
    {
      execute: (messages, onData) => db.execProtocolRawStream(messages, { onRawData: onData }),
      inTransaction: () => db.isInTransaction(),
      rollback: async () => void (await db.exec('ROLLBACK')),
    },
    (err) => post({ type: 'warning', message: err instanceof Error ? err.message : String(err) }),
  );
  mux = served;
  // Drop the clients, close PGlite (which checkpoints the folder: the next open needs no recovery), and only
  // then stop listening (which removes the socket file): a process that starts on this folder meanwhile finds
  // the socket answering and waits, so two PGlite instances never have the folder open at once.
  const close = () =>
    (closing ??= (async () => {
      await served.close();
      await db.close();
      await new Promise((resolve) => server.close(resolve));
      post({ type: 'closed' });
      if (process.connected) process.disconnect();
    })());
  process.on('message', (m: unknown) => m === 'close' && void close());
  process.once('disconnect', () => void close()); // the service is gone (kill -9, a crash)
  if (!process.connected) void close();
  else post({ type: 'listening' });
} catch (err) {
  post({ type: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  if (process.connected) process.disconnect();
}
