// Shutting down while clients reconnect: a WebSocket upgrade that arrives once the close has begun is refused (503),
// not routed to a stream that nothing will close, so the server's close (which waits for every connection) ends.
// Before, the upgrade gate kept routing after @fastify/websocket's preClose had closed its clients: a client that
// reconnected during the shutdown's grace got a new stream and app.close() never returned.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { GradscopeClient } from '../../src/client/index.ts';
import { type Restartable, restartableService } from '../client/restart.ts';
import { DB_KINDS, freshDatabase, type TestDatabase } from '../helpers/databases.ts';
import { slowTrain } from '../helpers/specs.ts';

/** How an upgrade attempt ended: the HTTP status it was refused with, 'open', or the socket error's code. */
function tryUpgrade(url: string): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.on('unexpected-response', (_req, res) => {
      resolve(String(res.statusCode));
      ws.terminate();
    });
    ws.on('open', () => {
      resolve('open');
      ws.terminate();
    });
    ws.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

describe.each(DB_KINDS)('upgrades during shutdown on $kind', ({ kind, skip }) => {
  if (skip) {
    it.skip(`(${skip})`, () => {});
    return;
  }
  let db: TestDatabase;
  let svc: Restartable;
  beforeAll(async () => {
    db = await freshDatabase(kind);
    // A grace long enough that the close is still draining the running job when the upgrade arrives.
    svc = await restartableService(db, { SHUTDOWN_GRACE_MS: '1500' });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('refuses an upgrade that arrives while the service closes, and the close ends', async () => {
    const client = new GradscopeClient({ baseUrl: svc.url });
    const { id } = await client.submit(slowTrain('shutdown-upgrade') as never);
    while ((await client.get(id)).status !== 'running')
      await new Promise((resolve) => setTimeout(resolve, 50));
    const streamUrl = `${svc.url.replace('http', 'ws')}/v1/runs/${id}/stream`;
    expect(await tryUpgrade(streamUrl)).toBe('open');

    let closed = false;
    const closing = svc.close().then(() => {
      closed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(closed).toBe(false);
    const outcome = await tryUpgrade(streamUrl);
    expect(outcome).toBe('503');
    const timeout = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 20_000).unref());
    expect(await Promise.race([closing.then(() => 'closed' as const), timeout])).toBe('closed');
  });
});
