// streamRun's watch on the connection: server pings keep a quiet stream open, a connection without pings is
// replaced (resuming where it was), and a message that fails the stream schema is an error, not a guess.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { GradscopeClient, GradscopeError } from '../../src/client/index.ts';
import { MISSED_PONGS_LIMIT } from '../../src/routes/websocket.ts';
import { describeServiceOnEachDatabase, type RunningService } from '../helpers/service.ts';
import { slowTrain } from '../helpers/specs.ts';

/** A long run that records a step only every 50,000: a quiet stream after its hello and status. */
const quiet = { ...slowTrain('quiet'), telemetry: { every: 50_000 } };

/** Pings every 500 ms (the client's heartbeat watch is tested against them); no Prefer: wait. */
const pinging = { env: { WAIT_MAX_SECONDS: '0' }, extra: { pingMs: 500 } };

describeServiceOnEachDatabase('stream heartbeats', pinging, (service) => {
  let svc: RunningService;
  beforeAll(() => {
    svc = service();
  });

  it('pings keep a quiet stream open; without them in time it reconnects and resumes after the last step', async () => {
    const client = new GradscopeClient({ baseUrl: svc.url, retry: { baseDelayMs: 20 } });
    const { id } = await client.submit(quiet as never);
    const listen = async (heartbeatMs: number, ms: number) => {
      const reconnects: { from: number; reason: string }[] = [];
      const steps: number[] = [];
      const stop = AbortSignal.timeout(ms);
      try {
        for await (const m of client.streamRun(id, {
          heartbeatMs,
          signal: stop,
          onReconnect: (r) => reconnects.push(r),
        }))
          if (m.type === 'step') steps.push(m.step);
      } catch (e) {
        if (!stop.aborted) throw e;
      }
      return { reconnects, steps };
    };
    // Pings every 500 ms, heartbeat window 2 × 1000 ms: 3 s without a reconnect.
    const kept = await listen(1000, 3000);
    expect(kept.reconnects).toEqual([]);
    // Window 2 × 30 ms, shorter than the ping interval: each connection is taken for dead and replaced.
    const replaced = await listen(30, 1000);
    expect(replaced.reconnects.length).toBeGreaterThan(0);
    expect(replaced.reconnects[0].reason).toBe('no heartbeat for 60 ms');
    // Each reconnect resumes after the last step received (none yet: from 0), so no step comes twice.
    const last = replaced.steps.at(-1) ?? -1;
    expect(replaced.reconnects.at(-1)!.from).toBe(last + 1);
    expect(new Set(replaced.steps).size).toBe(replaced.steps.length);
    await client.cancel(id);
  });

  it('the server forgives one missed pong and cuts a peer that misses MISSED_PONGS_LIMIT in a row', async () => {
    const client = new GradscopeClient({ baseUrl: svc.url });
    const { id } = await client.submit(quiet as never);
    const ws = new WebSocket(`${svc.url.replace('http', 'ws')}/v1/runs/${id}/stream`, { autoPong: false });
    let pings = 0;
    let answering = true;
    let unansweredAtClose = -1;
    let unanswered = 0;
    ws.on('ping', (data) => {
      pings++;
      // The first ping goes unanswered (a late client); every later one is answered until we stop.
      if (answering && pings > 1) ws.pong(data);
      else unanswered++;
    });
    const closed = new Promise<void>((resolve) =>
      ws.on('close', () => {
        unansweredAtClose = unanswered;
        resolve();
      }),
    );
    await expect.poll(() => pings, { timeout: 20_000 }).toBeGreaterThanOrEqual(4);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    answering = false;
    unanswered = 0;
    await closed;
    expect(unansweredAtClose).toBe(MISSED_PONGS_LIMIT);
    await client.cancel(id);
  });

  it('submitAndWait polls when the server does not hold the answer (WAIT_MAX_SECONDS=0)', async () => {
    const client = new GradscopeClient({ baseUrl: svc.url });
    const run = await client.submitAndWait(
      { ...slowTrain('short'), training: { ...slowTrain().training, steps: 300 } } as never,
      { timeoutMs: 60_000 },
    );
    expect(run.status).toBe('succeeded');
    expect(run.progress.step).toBe(299);
  });
});

describe('stream messages are validated', () => {
  let wss: WebSocketServer;
  let url: string;
  beforeAll(async () => {
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((r) => wss.once('listening', r));
    wss.on('connection', (socket) => socket.send(JSON.stringify({ type: 'step', seq: 0, step: -1 })));
    url = `http://127.0.0.1:${(wss.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => wss.close(() => r())));

  it('a message that fails RunStreamMessageSchema throws invalid_response', async () => {
    const client = new GradscopeClient({ baseUrl: url });
    const e = await client
      .streamRun('00000000-0000-4000-8000-000000000000')
      .next()
      .catch((err) => err);
    expect(e).toBeInstanceOf(GradscopeError);
    expect(e.code).toBe('invalid_response');
    expect(e.detail).toMatch(/^step: /);
  });
});
