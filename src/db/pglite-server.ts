// Worker thread: opens the embedded PGlite database and serves it over the Postgres wire protocol on a
// Unix socket, so its queries (WASM, synchronous) run here instead of on the service's event loop.
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import type { EmbeddedServerData, EmbeddedServerMessage } from './pglite.ts';
import { WireMultiplexer } from './pglite-wire.ts';

const port = parentPort;
if (!port) throw new Error('pglite-server.ts runs as a worker thread (see startEmbeddedPostgres)');
const { dataDir, socketPath } = workerData as EmbeddedServerData;
const post = (m: EmbeddedServerMessage) => port.postMessage(m);

try {
  mkdirSync(dataDir, { recursive: true }); // PGlite itself creates only the last path segment
  const db = await PGlite.create(dataDir);
  const mux = new WireMultiplexer(
    {
      execute: (messages, onData) => db.execProtocolRawStream(messages, { onRawData: onData }),
      inTransaction: () => db.isInTransaction(),
      rollback: async () => void (await db.exec('ROLLBACK')),
    },
    (err) => post({ type: 'warning', message: err instanceof Error ? err.message : String(err) }),
  );
  const server = createServer((socket) => mux.attach(socket));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  post({ type: 'listening' });
  port.on('message', async (m: unknown) => {
    if (m !== 'close') return;
    // Stop accepting, drop the clients (the parent has ended its pools), then close PGlite, which
    // checkpoints the folder: the next open needs no recovery.
    server.close();
    await mux.close();
    await db.close();
    post({ type: 'closed' });
    port.close();
  });
} catch (err) {
  post({ type: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  port.close();
}
