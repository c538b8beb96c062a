// Worker thread: opens the embedded PGlite database and serves it over the Postgres wire protocol on a
// Unix socket, so its queries (WASM, synchronous) run here instead of on the service's event loop.
import { createServer, type Socket } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import type { EmbeddedServerData, EmbeddedServerMessage } from './pglite.ts';
import { claimSocket } from './pglite-socket.ts';
import { WireMultiplexer } from './pglite-wire.ts';

const port = parentPort;
if (!port) throw new Error('pglite-server.ts runs as a worker thread (see startEmbeddedPostgres)');
const { dataDir, socketPath } = workerData as EmbeddedServerData;
const post = (m: EmbeddedServerMessage) => port.postMessage(m);

try {
  // Listening first holds the socket's path while PGlite opens: a second process on the same folder finds
  // it answering and stops before it opens the folder too. Until then a connection can only be such a
  // probe, and is dropped.
  let mux: WireMultiplexer | null = null;
  const server = createServer((socket: Socket) => (mux ? mux.attach(socket) : socket.destroy()));
  await claimSocket(socketPath);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  const db = await PGlite.create(dataDir).catch((err) => {
    server.close();
    throw err;
  });
  mux = new WireMultiplexer(
    {
      execute: (messages, onData) => db.execProtocolRawStream(messages, { onRawData: onData }),
      inTransaction: () => db.isInTransaction(),
      rollback: async () => void (await db.exec('ROLLBACK')),
    },
    (err) => post({ type: 'warning', message: err instanceof Error ? err.message : String(err) }),
  );
  post({ type: 'listening' });
  const served = mux;
  port.on('message', async (m: unknown) => {
    if (m !== 'close') return;
    // Stop accepting (which removes the socket file), drop the clients (the parent has ended its pools),
    // then close PGlite, which checkpoints the folder: the next open needs no recovery.
    server.close();
    await served.close();
    await db.close();
    post({ type: 'closed' });
    port.close();
  });
} catch (err) {
  post({ type: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  port.close();
}
