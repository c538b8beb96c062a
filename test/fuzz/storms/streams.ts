// The WebSocket streams under fire: bad ids and parameters, client messages of every kind and size (above maxPayload
// the server must close with 1009, not crash), abrupt disconnects mid-replay, broken handshakes, and connect/close churn.
import fc from 'fast-check';
import type WebSocket from 'ws';
import { FirehoseMessageSchema, RunStreamMessageSchema } from '../../../src/schemas/stream.ts';
import { sendRaw } from '../support/raw-http.ts';
import { mutatedQuery, queryString, runIdLike } from '../support/request-parts.ts';
import { type FuzzService, inFlight, REQUEST_TIMEOUT_MS, runs } from '../support/service.ts';
import { contractViolation, forEachLimit } from '../support/verdict.ts';
import { streamViolation, type WsOutcome, type WsPlan, wsProbe } from '../support/ws-probe.ts';
import { cases, type StormContext } from './context.ts';

const MAX_PAYLOAD = 64 * 1024;

/** What a client does once connected. */
type Behaviour =
  | { kind: 'listen' }
  | { kind: 'text'; data: string }
  | { kind: 'binary'; data: Uint8Array }
  | { kind: 'burst'; count: number }
  | { kind: 'huge'; bytes: number; binary: boolean }
  | { kind: 'close'; code: number }
  | { kind: 'terminate' };

const behaviour: fc.Arbitrary<Behaviour> = fc.oneof(
  { arbitrary: fc.constant({ kind: 'listen' as const }), weight: 4 },
  {
    arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((data) => ({ kind: 'text' as const, data })),
    weight: 2,
  },
  {
    arbitrary: fc.uint8Array({ maxLength: 2000 }).map((data) => ({ kind: 'binary' as const, data })),
    weight: 2,
  },
  {
    arbitrary: fc.integer({ min: 10, max: 300 }).map((count) => ({ kind: 'burst' as const, count })),
    weight: 1,
  },
  {
    arbitrary: fc
      .record({ bytes: fc.constantFrom(MAX_PAYLOAD + 1, 100_000, 1_000_000), binary: fc.boolean() })
      .map((h) => ({ kind: 'huge' as const, ...h })),
    weight: 2,
  },
  {
    arbitrary: fc.constantFrom(1000, 1001, 3000, 4999).map((code) => ({ kind: 'close' as const, code })),
    weight: 1,
  },
  { arbitrary: fc.constant({ kind: 'terminate' as const }), weight: 1 },
);

function planOf(b: Behaviour, closeAfterMs?: number): WsPlan {
  const onOpen = (ws: WebSocket) => {
    if (b.kind === 'text') ws.send(b.data);
    else if (b.kind === 'binary') ws.send(b.data);
    else if (b.kind === 'burst') for (let i = 0; i < b.count; i++) ws.send(`{"type":"subscribe","i":${i}}`);
    else if (b.kind === 'huge') ws.send(b.binary ? Buffer.alloc(b.bytes, 1) : 'x'.repeat(b.bytes));
    else if (b.kind === 'close') ws.close(b.code);
    else if (b.kind === 'terminate') ws.terminate();
  };
  return { onOpen: b.kind === 'listen' ? undefined : onOpen, closeAfterMs, timeoutMs: REQUEST_TIMEOUT_MS };
}

/** Close codes a case may end with: the run's end (1000), our own close or cut (1005/1006, or the code we sent), 1009 after a frame over maxPayload. */
function allowedCodes(b: Behaviour): number[] {
  const base = [1000, 1005, 1006];
  if (b.kind === 'huge') return [...base, 1009];
  if (b.kind === 'close') return [...base, b.code];
  return base;
}

/** One stream case: connect (unless the server is down), listed as in flight while it runs. */
function connect(svc: FuzzService, path: string, plan: WsPlan): Promise<WsOutcome | null> {
  if (svc.down) return Promise.resolve(null);
  return inFlight(svc, `WS ${path}`, () => wsProbe(`${svc.wsUrl}${path}`, plan));
}

function judge(
  ctx: StormContext,
  endpoint: string,
  input: string,
  o: WsOutcome | null,
  schema: typeof RunStreamMessageSchema | typeof FirehoseMessageSchema,
  b: Behaviour,
) {
  ctx.tally.count(endpoint);
  if (!o || ctx.svc.down) {
    ctx.tally.fail({ endpoint, signature: 'server down', input, log: ctx.svc.down ?? undefined });
    return;
  }
  let bad = streamViolation(o, schema, allowedCodes(b));
  // A frame over maxPayload on a socket the server would otherwise keep open must get 1009, not silence.
  if (
    !bad &&
    b.kind === 'huge' &&
    o.kind === 'closed' &&
    o.code !== 1009 &&
    schema === FirehoseMessageSchema
  ) {
    bad = `a ${b.bytes}-byte frame did not get 1009 (closed with ${o.code})`;
  }
  if (bad) ctx.tally.fail({ endpoint, signature: bad.replace(/\d{3,}/g, 'N'), input });
}

export async function runStreamStorm(ctx: StormContext): Promise<void> {
  const endpoint = 'WS /v1/runs/:id/stream';
  const arb = fc.record({
    id: fc.oneof(
      { arbitrary: fc.constantFrom(...ctx.readIds), weight: 2 },
      { arbitrary: runIdLike(ctx.readIds), weight: 1 },
    ),
    query: fc.oneof(queryString(['from', 'every', 'token', 'x']), mutatedQuery({ from: '0', every: '1' })),
    behaviour,
    cutAfter: fc.option(fc.integer({ min: 1, max: 200 }), { nil: undefined }),
  });
  await forEachLimit(cases(ctx, endpoint, arb, runs(200)), 6, async (c) => {
    const path = `/v1/runs/${c.id}/stream${c.query ? `?${c.query}` : ''}`;
    // The client resolves dot segments ('../stream' is the firehose, which never closes by itself).
    const firehose = new URL(`${ctx.svc.wsUrl}${path}`).pathname === '/v1/stream';
    const plan = planOf(c.behaviour, firehose ? 150 : undefined);
    // Most cases read a bounded prefix (a long run replays thousands of steps), then cut the connection.
    const cut = c.cutAfter ?? 200;
    plan.onMessage = (ws, n) => {
      if (n >= cut) ws.terminate();
    };
    const o = await connect(ctx.svc, path, plan);
    const schema = firehose ? FirehoseMessageSchema : RunStreamMessageSchema;
    judge(ctx, endpoint, `${path} ${JSON.stringify(c.behaviour).slice(0, 120)}`, o, schema, c.behaviour);
  });
}

export async function firehoseStorm(ctx: StormContext): Promise<void> {
  const endpoint = 'WS /v1/stream';
  const arb = fc.record({ query: queryString(['from', 'every', 'token', 'kind']), behaviour });
  await forEachLimit(cases(ctx, endpoint, arb, runs(80)), 8, async (c) => {
    const path = `/v1/stream${c.query ? `?${c.query}` : ''}`;
    const o = await connect(ctx.svc, path, planOf(c.behaviour, 150));
    judge(
      ctx,
      endpoint,
      `${path} ${JSON.stringify(c.behaviour).slice(0, 120)}`,
      o,
      FirehoseMessageSchema,
      c.behaviour,
    );
  });
}

/** Replays of the long run cut at a random message: by terminate (TCP reset), by a close frame, or by pausing then cutting. */
export async function disconnectStorm(ctx: StormContext): Promise<void> {
  const endpoint = 'WS replay cut mid-stream';
  const arb = fc.record({
    at: fc.integer({ min: 1, max: 1200 }),
    how: fc.constantFrom('terminate', 'close', 'pause-then-terminate'),
    every: fc.constantFrom(1, 1, 1, 7, 100),
  });
  await forEachLimit(cases(ctx, endpoint, arb, runs(16)), 8, async (c) => {
    const path = `/v1/runs/${ctx.longRunId}/stream?every=${c.every}`;
    const o = await connect(ctx.svc, path, {
      timeoutMs: REQUEST_TIMEOUT_MS,
      onMessage(ws, n) {
        if (n !== c.at) return;
        if (c.how === 'close') ws.close(1000);
        else if (c.how === 'terminate') ws.terminate();
        else {
          (ws as unknown as { _socket: import('node:net').Socket })._socket.pause();
          setTimeout(() => ws.terminate(), 50);
        }
      },
    });
    judge(ctx, endpoint, `${path} cut at message ${c.at} by ${c.how}`, o, RunStreamMessageSchema, {
      kind: 'listen',
    });
  });
}

/** Many connections opened and dropped at once: before the handshake ends, right after it, or with a close frame. */
export async function churnStorm(ctx: StormContext): Promise<void> {
  const endpoint = 'WS connect/close churn';
  const arb = fc.record({
    // Mostly a short run and the firehose: each connection to a long run costs the server a page of history.
    path: fc.constantFrom(
      '/v1/stream',
      `/v1/runs/${ctx.readIds[1]}/stream`,
      `/v1/runs/${ctx.readIds[2]}/stream?from=5`,
    ),
    how: fc.constantFrom('abort', 'terminate', 'close'),
  });
  await forEachLimit(cases(ctx, endpoint, arb, runs(100)), 25, async (c) => {
    const b: Behaviour = c.how === 'close' ? { kind: 'close', code: 1000 } : { kind: 'terminate' };
    const o = await connect(ctx.svc, c.path, { ...planOf(b), abortAtOnce: c.how === 'abort' });
    judge(ctx, endpoint, `${c.path} ${c.how}`, o, RunStreamMessageSchema, b);
  });
}

/** Upgrade requests a browser would never send: wrong version, no or bad key, upgrade on a POST, to a non-stream route. */
export async function handshakeStorm(ctx: StormContext): Promise<void> {
  const endpoint = 'WS broken handshake';
  const key = Buffer.alloc(16, 7).toString('base64');
  const upgrade = (target: string, extra: [string, string][], method = 'GET') => ({
    method,
    target,
    headers: [['Connection', 'Upgrade'], ['Upgrade', 'websocket'], ...extra] as [string, string][],
  });
  const run = `/v1/runs/${ctx.longRunId}/stream`;
  const reqs = [
    upgrade(run, [['Sec-WebSocket-Version', '13']]),
    upgrade(run, [
      ['Sec-WebSocket-Version', '99'],
      ['Sec-WebSocket-Key', key],
    ]),
    upgrade(run, [
      ['Sec-WebSocket-Version', '13'],
      ['Sec-WebSocket-Key', 'short'],
    ]),
    upgrade(run, [['Sec-WebSocket-Key', key]]),
    upgrade('/v1/stream', [
      ['Sec-WebSocket-Version', 'abc'],
      ['Sec-WebSocket-Key', key],
    ]),
    upgrade('/v1/stream', [
      ['Sec-WebSocket-Version', '13'],
      ['Sec-WebSocket-Key', key],
      ['Sec-WebSocket-Extensions', 'permessage-deflate; server_max_window_bits=99'],
    ]),
    upgrade('/v1/stream', [
      ['Sec-WebSocket-Version', '13'],
      ['Sec-WebSocket-Key', key],
      ['Sec-WebSocket-Protocol', ',,,'],
    ]),
    upgrade(
      '/v1/stream',
      [
        ['Sec-WebSocket-Version', '13'],
        ['Sec-WebSocket-Key', key],
      ],
      'POST',
    ),
    upgrade(
      '/v1/runs',
      [
        ['Sec-WebSocket-Version', '13'],
        ['Sec-WebSocket-Key', key],
      ],
      'POST',
    ),
  ];
  await forEachLimit(reqs, 4, async (req) => {
    ctx.tally.count(endpoint);
    const input = `${req.method} ${req.target} ${JSON.stringify(req.headers.slice(2))}`;
    if (ctx.svc.down) return ctx.tally.fail({ endpoint, signature: 'server down', input, log: ctx.svc.down });
    try {
      const res = await sendRaw(ctx.svc.port, req, 3000);
      // 101 means the server accepted a handshake it should have refused, or a valid one: either way not a failure here.
      const bad = res.status === 101 ? null : contractViolation(res);
      if (bad) ctx.tally.fail({ endpoint, signature: bad, input, log: res.text.slice(0, 120) });
    } catch (e) {
      ctx.tally.fail({ endpoint, signature: `no answer: ${(e as Error).message}`, input });
    }
  });
}
