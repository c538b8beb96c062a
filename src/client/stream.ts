// A run's or a sweep's WebSocket stream as an async iterator: every message validated, heartbeats watched, and
// reconnects that resume where the last message left off (no gap, no duplicate).
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import type { z } from 'zod';
import { type RunStreamMessage, RunStreamMessageSchema } from '../schemas/stream.ts';
import { type SweepStreamMessage, SweepStreamMessageSchema } from '../schemas/sweeps.ts';
import { GradscopeError } from './errors.ts';
import { problemError, type Transport } from './http.ts';
import { retryableStatus, retryDelay, sleep } from './retry.ts';

export interface StreamRunOptions {
  /** Only steps that are multiples of this (the last step always comes). */
  every?: number;
  /** First step wanted (default 0: the whole history). */
  from?: number;
  signal?: AbortSignal;
  /**
   * The server's ping interval (PING_MS, 30 s by default). A connection that carries neither a ping nor a message
   * for twice this long is taken for dead and replaced.
   */
  heartbeatMs?: number;
  /** Give up (GradscopeError `unreachable`) after this long without a working connection (default 120 s). */
  reconnectForMs?: number;
  /** Called before each reconnect, with the step the new connection resumes from. */
  onReconnect?: (info: { attempt: number; from: number; reason: string }) => void;
}

type Event =
  | { kind: 'open' }
  | { kind: 'message'; data: string }
  | { kind: 'closed'; reason: string }
  | { kind: 'rejected'; error: GradscopeError };

/**
 * Messages of WS /v1/runs/:id/stream until `end`. The `hello` comes once (a reconnect's hello is not repeated);
 * `seq` counts per connection, so it restarts after a reconnect; steps never repeat and never skip.
 */
export async function* streamRun(
  transport: Transport,
  id: string,
  options: StreamRunOptions = {},
): AsyncGenerator<RunStreamMessage, void, undefined> {
  let next = options.from ?? 0;
  yield* reconnecting(transport, options, {
    url: () =>
      transport.url(`/v1/runs/${encodeURIComponent(id)}/stream`, { from: next, every: options.every }),
    resumeAt: () => next,
    parse: (data) => parseMessage(RunStreamMessageSchema, data),
    fresh: (msg) => {
      if (msg.type !== 'step') return true;
      if (msg.step < next) return false;
      next = msg.step + 1;
      return true;
    },
  });
}

export type StreamSweepOptions = Omit<StreamRunOptions, 'every' | 'from' | 'onReconnect'> & {
  /** Called before each reconnect, with the number of points received so far. */
  onReconnect?: (info: { attempt: number; from: number; reason: string }) => void;
};

/**
 * Messages of WS /v1/sweeps/:id/stream until `end`: hello once, then each finished point's row once — a reconnect
 * replays the history, and the rows already yielded are left out — then end.
 */
export async function* streamSweep(
  transport: Transport,
  id: string,
  options: StreamSweepOptions = {},
): AsyncGenerator<SweepStreamMessage, void, undefined> {
  const seen = new Set<number>();
  yield* reconnecting(transport, options, {
    url: () => transport.url(`/v1/sweeps/${encodeURIComponent(id)}/stream`),
    resumeAt: () => seen.size,
    parse: (data) => parseMessage(SweepStreamMessageSchema, data),
    fresh: (msg) => {
      if (msg.type !== 'point') return true;
      if (seen.has(msg.point.index)) return false;
      seen.add(msg.point.index);
      return true;
    },
  });
}

interface StreamShape<M extends { type: string }> {
  url(): string;
  /** Said to onReconnect: where the next connection resumes. */
  resumeAt(): number;
  parse(data: string): M;
  /** Whether a message (other than hello) is new; may record that it was seen. */
  fresh(msg: M): boolean;
}

/** The connection loop both streams share: hello once, reconnects with backoff, a refused handshake thrown. */
async function* reconnecting<M extends { type: string }>(
  transport: Transport,
  options: Pick<StreamRunOptions, 'signal' | 'heartbeatMs' | 'reconnectForMs' | 'onReconnect'>,
  shape: StreamShape<M>,
): AsyncGenerator<M, void, undefined> {
  let sawHello = false;
  let failingSince: number | null = null;
  let attempt = 0;
  for (;;) {
    const conn = new Connection(
      shape.url().replace(/^http/, 'ws'),
      transport.token,
      options.heartbeatMs ?? 30_000,
    );
    const onAbort = () => conn.close();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let reason = 'closed';
    try {
      for (;;) {
        const ev = await conn.next();
        if (ev.kind === 'open') {
          failingSince = null;
          attempt = 0;
        } else if (ev.kind === 'message') {
          const msg = shape.parse(ev.data);
          if (msg.type === 'hello') {
            if (sawHello) continue;
            sawHello = true;
          } else if (!shape.fresh(msg)) continue;
          yield msg;
          if (msg.type === 'end') return;
        } else if (ev.kind === 'rejected') {
          if (!retryableStatus(ev.error.status)) throw ev.error;
          reason = ev.error.message;
          break;
        } else {
          reason = ev.reason;
          break;
        }
      }
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      conn.close();
    }
    if (options.signal?.aborted) throw options.signal.reason;
    failingSince ??= Date.now();
    if (Date.now() - failingSince > (options.reconnectForMs ?? 120_000)) {
      throw GradscopeError.unreachable(transport.baseUrl, new Error(reason));
    }
    attempt++;
    options.onReconnect?.({ attempt, from: shape.resumeAt(), reason });
    await sleep(retryDelay(transport.retry, attempt), options.signal);
  }
}

function parseMessage<S extends z.ZodType>(schema: S, data: string): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    throw GradscopeError.invalidResponse('stream message', `not JSON: ${data.slice(0, 80)}`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw GradscopeError.invalidResponse('stream message', `${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

/** One WebSocket connection as a queue of events, with a watchdog fed by pings and messages. */
class Connection {
  private readonly ws: WebSocket;
  private readonly queue: Event[] = [];
  private waiter: ((ev: Event) => void) | null = null;
  private watchdog: NodeJS.Timeout | undefined;
  private done = false;

  constructor(url: string, token: string | undefined, heartbeatMs: number) {
    this.ws = new WebSocket(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    const feed = () => {
      clearTimeout(this.watchdog);
      this.watchdog = setTimeout(() => {
        this.push({ kind: 'closed', reason: `no heartbeat for ${2 * heartbeatMs} ms` });
        this.ws.terminate();
      }, 2 * heartbeatMs);
    };
    feed();
    this.ws.on('open', () => {
      feed();
      this.push({ kind: 'open' });
    });
    this.ws.on('ping', feed);
    this.ws.on('message', (data) => {
      feed();
      this.push({ kind: 'message', data: String(data) });
    });
    // A refused handshake: its problem, read in full, is the only event that counts (not the error that follows).
    let refused = false;
    this.ws.on('unexpected-response', (req, res) => {
      refused = true;
      readProblem(res)
        .then((error) => this.push({ kind: 'rejected', error }))
        .finally(() => req.destroy());
    });
    this.ws.on('error', (e) => refused || this.push({ kind: 'closed', reason: e.message }));
    this.ws.on(
      'close',
      (code, why) => refused || this.push({ kind: 'closed', reason: `closed (${code} ${why})` }),
    );
  }

  private push(ev: Event): void {
    if (this.done) return;
    if (ev.kind === 'closed' || ev.kind === 'rejected') {
      this.done = true;
      clearTimeout(this.watchdog);
    }
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w(ev);
    } else this.queue.push(ev);
  }

  next(): Promise<Event> {
    const ev = this.queue.shift();
    if (ev) return Promise.resolve(ev);
    return new Promise((resolve) => (this.waiter = resolve));
  }

  close(): void {
    clearTimeout(this.watchdog);
    this.push({ kind: 'closed', reason: 'closed by the client' });
    if (this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
    else if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000);
  }
}

/** The problem of a refused handshake (404 unknown run, 401 bad token, 503 database down…). */
async function readProblem(res: IncomingMessage): Promise<GradscopeError> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  const headers = new Headers();
  for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v);
  return problemError(
    new Response(Buffer.concat(chunks), { status: res.statusCode ?? 500, headers }),
    undefined,
  );
}
