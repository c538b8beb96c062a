// The WebSocket clients of the benchmarks, in their own process (so their parsing does not share the
// server's event loop): opens subscribers, pauses slow readers, counts what arrives and when, and
// computes delivery latencies against the server's publish times. Driven over IPC by swarm.ts.
import WebSocket from 'ws';
import { now } from './clock.ts';
import { quantile } from './stats.ts';
import type { Completeness, GroupStats, LatencySummary, SwarmReply, SwarmRequest } from './swarm-protocol.ts';

interface Client {
  ws: WebSocket;
  run: number;
  /** What it asked for: ?from= and ?every= of its URL. */
  from: number;
  every: number;
  group: string;
  paused: boolean;
  gotNotice: boolean;
}

/** Arrival of every step message: time, step, client index, in chunks allocated as needed. */
class DeliveryLog {
  static readonly CHUNK = 1 << 20;
  static readonly MAX = 12 * DeliveryLog.CHUNK;
  private times: Float64Array[] = [];
  private steps: Int32Array[] = [];
  private clients: Int32Array[] = [];
  length = 0;
  dropped = 0;

  add(t: number, step: number, client: number): void {
    if (this.length >= DeliveryLog.MAX) {
      this.dropped++;
      return;
    }
    const c = this.length >> 20;
    const i = this.length & (DeliveryLog.CHUNK - 1);
    if (c === this.times.length) {
      this.times.push(new Float64Array(DeliveryLog.CHUNK));
      this.steps.push(new Int32Array(DeliveryLog.CHUNK));
      this.clients.push(new Int32Array(DeliveryLog.CHUNK));
    }
    this.times[c][i] = t;
    this.steps[c][i] = step;
    this.clients[c][i] = client;
    this.length++;
  }

  forEach(fn: (t: number, step: number, client: number) => void): void {
    for (let k = 0; k < this.length; k++) {
      const c = k >> 20;
      const i = k & (DeliveryLog.CHUNK - 1);
      fn(this.times[c][i], this.steps[c][i], this.clients[c][i]);
    }
  }

  clear(): void {
    this.times = [];
    this.steps = [];
    this.clients = [];
    this.length = 0;
    this.dropped = 0;
  }
}

const clients: Client[] = [];
const runIds: string[] = [];
const stats = new Map<string, GroupStats>();
const log = new DeliveryLog();

const emptyStats = (): GroupStats => ({
  clients: 0,
  open: 0,
  steps: 0,
  bytes: 0,
  coalescedNotices: 0,
  skippedSteps: 0,
  clientsCoalesced: 0,
  ends: 0,
  closes: {},
  errors: 0,
  paused: 0,
});

const STEP_KEY = Buffer.from('"step":');

/** Opens one subscriber; resolves when its hello arrived (or it failed). */
function open(url: string, run: string, group: string): Promise<string | null> {
  let r = runIds.indexOf(run);
  if (r < 0) r = runIds.push(run) - 1;
  const s = stats.get(group) ?? emptyStats();
  stats.set(group, s);
  s.clients++;
  const ws = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true });
  const query = new URL(url).searchParams;
  const client: Client = {
    ws,
    run: r,
    from: Number(query.get('from') ?? 0),
    every: Number(query.get('every') ?? 1),
    group,
    paused: false,
    gotNotice: false,
  };
  const index = clients.push(client) - 1;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('no hello within 30 s'), 30_000);
    ws.on('message', (data: Buffer) => {
      const t = now();
      s.bytes += data.length;
      // Every message starts with {"type":"<type>": read the type without parsing the whole message.
      if (
        data[9] === 0x73 &&
        data[10] === 0x74 &&
        data[11] === 0x65 &&
        data[12] === 0x70 &&
        data[13] === 0x22
      ) {
        const at = data.indexOf(STEP_KEY, 14) + STEP_KEY.length;
        let step = 0;
        for (let k = at; data[k] >= 0x30 && data[k] <= 0x39; k++) step = step * 10 + (data[k] - 0x30);
        s.steps++;
        log.add(t, step, index);
        return;
      }
      const m = JSON.parse(data.toString());
      if (m.type === 'hello') {
        s.open++;
        clearTimeout(timer);
        resolve(null);
      } else if (m.type === 'notice' && m.code === 'coalesced') {
        s.coalescedNotices++;
        s.skippedSteps += m.skippedSteps ?? 0;
        if (!client.gotNotice) s.clientsCoalesced++;
        client.gotNotice = true;
      } else if (m.type === 'end') s.ends++;
    });
    ws.on('close', (code) => {
      s.closes[code] = (s.closes[code] ?? 0) + 1;
      if (client.paused) s.paused--;
      client.paused = false;
      clearTimeout(timer);
      resolve(`closed ${code} before hello`);
    });
    ws.on('error', (e) => {
      s.errors++;
      clearTimeout(timer);
      resolve(e.message);
    });
  });
}

async function openAll(list: { url: string; run: string; group: string }[], concurrency: number) {
  const t0 = now();
  const errors: string[] = [];
  let next = 0;
  const lane = async () => {
    while (next < list.length) {
      const c = list[next++];
      const err = await open(c.url, c.run, c.group);
      if (err) errors.push(err);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return {
    ok: list.length - errors.length,
    failed: errors.length,
    ms: now() - t0,
    errors: errors.slice(0, 5),
  };
}

/** Stops reading the socket (the kernel buffers fill, then the server's send queue grows) for `ms`. */
function pause(group: string, ms: number): void {
  const s = stats.get(group);
  for (const c of clients) {
    const socket = (c.ws as any)._socket as import('node:net').Socket | undefined;
    if (c.group !== group || !socket || c.ws.readyState !== WebSocket.OPEN) continue;
    socket.pause();
    c.paused = true;
    if (s) s.paused++;
    setTimeout(() => {
      if (!c.paused) return;
      c.paused = false;
      if (s) s.paused--;
      socket.resume();
    }, ms);
  }
}

function latency(published: Record<string, { steps: Float64Array; times: Float64Array }>) {
  const pub = runIds.map((id) => {
    const m = new Map<number, number>();
    const p = published[id];
    if (p) for (let i = 0; i < p.steps.length; i++) m.set(p.steps[i], p.times[i]);
    return m;
  });
  const per = new Map<string, { lat: number[]; spread: Map<number, [number, number]>; unmatched: number }>();
  log.forEach((t, step, client) => {
    const c = clients[client];
    const p = pub[c.run].get(step);
    let g = per.get(c.group);
    if (!g) per.set(c.group, (g = { lat: [], spread: new Map(), unmatched: 0 }));
    if (p === undefined) {
      g.unmatched++;
      return;
    }
    const l = t - p;
    g.lat.push(l);
    const key = c.run * 1e9 + step;
    const fl = g.spread.get(key);
    if (!fl) g.spread.set(key, [l, l]);
    else {
      if (l < fl[0]) fl[0] = l;
      if (l > fl[1]) fl[1] = l;
    }
  });
  const groups: Record<string, LatencySummary> = {};
  for (const [name, g] of per) {
    const lat = Float64Array.from(g.lat).sort();
    const first = Float64Array.from(g.spread.values(), (v) => v[0]);
    const last = Float64Array.from(g.spread.values(), (v) => v[1]);
    groups[name] = {
      deliveries: lat.length,
      unmatched: g.unmatched,
      all: {
        p50: quantile(lat, 0.5),
        p90: quantile(lat, 0.9),
        p99: quantile(lat, 0.99),
        max: lat.length ? lat[lat.length - 1] : Number.NaN,
      },
      first: { p50: quantile(first, 0.5), p99: quantile(first, 0.99) },
      last: { p50: quantile(last, 0.5), p99: quantile(last, 0.99) },
    };
  }
  return groups;
}

function completeness(recorded: Record<string, number[]>): Record<string, Completeness> {
  const received = clients.map(() => [] as number[]);
  log.forEach((_t, step, client) => {
    received[client].push(step);
  });
  const groups: Record<string, Completeness> = {};
  clients.forEach((c, i) => {
    const g = (groups[c.group] ??= {
      clients: 0,
      complete: 0,
      missingSteps: 0,
      clientsMissing: 0,
      disorder: 0,
      unknown: 0,
    });
    g.clients++;
    const all = recorded[runIds[c.run]] ?? [];
    const known = new Set(all);
    const last = all.at(-1);
    const asked = all.filter((s) => s >= c.from && (s % c.every === 0 || s === last));
    const got = received[i];
    let disorder = 0;
    for (let k = 1; k < got.length; k++) if (got[k] <= got[k - 1]) disorder++;
    const gotSet = new Set(got);
    const missing = asked.filter((s) => !gotSet.has(s)).length;
    const unknown = got.filter((s) => !known.has(s)).length;
    g.missingSteps += missing;
    if (missing > 0) g.clientsMissing++;
    g.disorder += disorder;
    g.unknown += unknown;
    if (missing === 0 && disorder === 0 && unknown === 0 && got.length === asked.length) g.complete++;
  });
  return groups;
}

async function closeAll(): Promise<void> {
  await Promise.all(
    clients.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.ws.readyState === WebSocket.CLOSED) return resolve();
          const timer = setTimeout(() => {
            c.ws.terminate();
            resolve();
          }, 5000);
          c.ws.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
          if (c.paused) {
            (c.ws as any)._socket?.resume();
          }
          c.ws.close(1000);
        }),
    ),
  );
}

const reply = (m: SwarmReply) => process.send?.(m);

process.on('message', async (req: SwarmRequest) => {
  switch (req.op) {
    case 'open':
      return reply({ id: req.id, op: 'opened', ...(await openAll(req.clients, req.concurrency)) });
    case 'pause':
      pause(req.group, req.ms);
      return reply({ id: req.id, op: 'ok' });
    case 'stats':
      return reply({ id: req.id, op: 'stats', t: now(), groups: Object.fromEntries(stats) });
    case 'latency':
      return reply({ id: req.id, op: 'latency', groups: latency(req.published) });
    case 'completeness':
      return reply({ id: req.id, op: 'completeness', groups: completeness(req.recorded) });
    case 'reset':
      log.clear();
      return reply({ id: req.id, op: 'ok' });
    case 'close':
      await closeAll();
      clients.length = 0;
      runIds.length = 0;
      stats.clear();
      log.clear();
      return reply({ id: req.id, op: 'ok' });
  }
});
process.on('disconnect', () => process.exit(0));
