// bench:load, part 2: 1,000 WebSocket subscribers on two runs (both workers), plus slow readers (paused
// sockets) on the one that records large messages fast: delivery latency, coalescing / 1008 closes, and
// the service's memory before, during and after (it must stay bounded and come back down). Everyone
// subscribes while the runs are queued, then they go live: joining a live run replays history to each
// subscriber, a cost apart from this one.
import { now } from './clock.ts';
import {
  type Bench,
  cancel,
  isDone,
  isTraining,
  probeHealth,
  sampleRss,
  scrapeMetrics,
  submit,
  waitRuns,
} from './harness.ts';
import type { ServerMemory } from './server-protocol.ts';
import { deepRun, slowTrain } from './specs.ts';
import { note, sleep } from './stats.ts';
import type { Swarm } from './swarm.ts';
import type { GroupStats, LatencySummary } from './swarm-protocol.ts';

export interface StreamLoadOptions {
  /** Subscribers: half on the dashboard run, half on the heavy run (downsampled ?every=100). */
  subscribers: number;
  /** Paused readers on the heavy run (every step): half resume after `resumeAfterMs`, half stay paused `stuckMs`. */
  slowReaders: number;
  windowSeconds: number;
  resumeAfterMs: number;
  stuckMs: number;
}

export interface StreamLoadResult {
  opened: number;
  openSeconds: number;
  latency: LatencySummary | undefined;
  deliveredPerSec: number;
  /** Steps published per second by the dashboard run and by the heavy run. */
  publishedPerSec: [number, number];
  groups: Record<string, GroupStats>;
  /** Service memory: before the clients (warm, blockers training), sampled during, after they left. */
  before: ServerMemory;
  during: { t: number; heapUsed: number; external: number; rss: number }[];
  after: ServerMemory;
  peakRss: number;
  maxStallMs: number;
  healthMaxMs: number;
  /** WebSocket subscriptions the service counted at the end of the stuck pause, and after all left. */
  clientsAtEnd: number;
  clientsAfter: number;
  /** Memory after a forced full GC, early in the slow readers' pause and at its end (t: s since it began). */
  pausedEarly: ServerMemory & { t: number };
  pausedLate: ServerMemory & { t: number };
}

/** A dashboard run: 2-128-128-1 tanh, batch 64, statistics every 50 steps (tens of messages/s). */
const dashboardRun = (name: string) => ({ ...slowTrain(name), telemetry: { every: 50 } });

export async function streamLoad(b: Bench, swarm: Swarm, o: StreamLoadOptions): Promise<StreamLoadResult> {
  // Two blockers keep both workers busy while everyone subscribes to the (queued) runs below.
  const blockers = [await submit(b, slowTrain('blocker-1')), await submit(b, slowTrain('blocker-2'))];
  await waitRuns(b, blockers, isTraining, 30_000, 'blockers training');
  const dash = await submit(b, dashboardRun('dashboard'));
  const heavy = await submit(b, deepRun('heavy', 60_000, 1));
  const live = [dash, heavy];
  for (const id of live) await b.watch(id);
  // Before: the service warm (runs training and recording, the database paths used), no clients yet.
  const before = await b.memory(true);

  note(`opening ${o.subscribers} subscribers and ${o.slowReaders} slow readers`);
  const rss = sampleRss(b);
  const half = Math.floor(o.slowReaders / 2);
  const opened = await swarm.open([
    // Half on the dashboard run, every message; half on the heavy run downsampled as a chart would.
    ...Array.from({ length: o.subscribers }, (_, i) =>
      i % 2 === 0
        ? { url: `${b.wsUrl}/v1/runs/${dash}/stream`, run: dash, group: 'normal' }
        : { url: `${b.wsUrl}/v1/runs/${heavy}/stream?every=100`, run: heavy, group: 'normal' },
    ),
    ...Array.from({ length: o.slowReaders }, (_, i) => ({
      url: `${b.wsUrl}/v1/runs/${heavy}/stream`,
      run: heavy,
      group: i < half ? 'slow-resume' : 'slow-stuck',
    })),
  ]);
  for (const id of blockers) await cancel(b, id);
  await waitRuns(b, live, isTraining, 30_000, 'live runs training');

  const t0 = now();
  await swarm.pause('slow-resume', o.resumeAfterMs);
  await swarm.pause('slow-stuck', o.stuckMs);
  await b.takeMaxStallMs();
  const health = probeHealth(b, 200);
  const during: StreamLoadResult['during'] = [];
  const sampler = setInterval(() => {
    b.memory()
      .then((m) =>
        during.push({ t: (now() - t0) / 1000, heapUsed: m.heapUsed, external: m.external, rss: m.rss }),
      )
      .catch(() => {});
  }, 500);

  await sleep(2000);
  const s1 = await swarm.stats();
  const t1 = now();
  await sleep(o.windowSeconds * 1000);
  const s2 = await swarm.stats();
  const t2 = now();
  const published = await b.published(t1);
  const inWindow = live.map((id) => Array.from(published[id]?.times ?? []).filter((t) => t < t2).length);
  note('window done; waiting out the slow readers');
  // Live memory (after a full GC) early in the pause and at its end: it must not climb in between.
  const pausedEarly = { t: (now() - t0) / 1000, ...(await b.memory(true)) };
  const wait = o.stuckMs - (now() - t0);
  if (wait > 0) await sleep(wait - 1500);
  const pausedLate = { t: (now() - t0) / 1000, ...(await b.memory(true)) };
  const clientsAtEnd = (await scrapeMetrics(b)).get('gradscope_websocket_clients') ?? Number.NaN;
  await sleep(3000);
  clearInterval(sampler);
  const healthMaxMs = health.stop().max;
  const maxStallMs = await b.takeMaxStallMs();
  const s3 = await swarm.stats();
  const latency = (await swarm.latency(published)).normal;

  for (const id of live) await cancel(b, id);
  await waitRuns(b, live, isDone, 60_000, 'live runs cancelled');
  await swarm.closeAll();
  const peakRss = Math.max(...rss.stop());
  await sleep(1000);
  const after = await b.memory(true);
  const clientsAfter = (await scrapeMetrics(b)).get('gradscope_websocket_clients') ?? Number.NaN;
  if (process.env.BENCH_DEBUG)
    for (const d of during)
      note(
        `t=${d.t.toFixed(1)} heap ${(d.heapUsed / 1e6).toFixed(0)} ext ${(d.external / 1e6).toFixed(1)} rss ${(d.rss / 1e6).toFixed(0)}`,
      );
  return {
    opened: opened.ok,
    openSeconds: opened.ms / 1000,
    latency,
    deliveredPerSec:
      ((s2.groups.normal?.steps ?? 0) - (s1.groups.normal?.steps ?? 0)) / ((s2.t - s1.t) / 1000),
    publishedPerSec: inWindow.map((n) => n / ((t2 - t1) / 1000)) as [number, number],
    groups: s3.groups,
    before,
    during,
    after,
    peakRss,
    maxStallMs,
    healthMaxMs,
    clientsAtEnd,
    clientsAfter,
    pausedEarly,
    pausedLate,
  };
}

/** Memory a paused reader may hold: the soft limit (512 KB) and a message over it, with slack. */
const PER_SLOW_READER = 1024 * 1024;
const SLACK = 32 * 1024 * 1024;
const DRIFT = 16 * 1024 * 1024;
/**
 * Heap a first round of 1,000 clients leaves behind (JIT, caches): 30–40 MB here, once: three rounds in
 * one service left 80, 79 and 81 MB after each. More than this would be kept per client.
 */
const KEPT = 64 * 1024 * 1024;

/**
 * Bounded: the send queues grew no more than the paused readers may hold; live memory (heap + external
 * after a full GC) did not climb from early in the pause to its end; and once the clients left, the heap
 * came back and no subscription stayed behind.
 */
export function memoryVerdict(s: StreamLoadResult, slowReaders: number) {
  const total = (d: { heapUsed: number; external: number }) => d.heapUsed + d.external;
  const peakExternal = Math.max(s.before.external, ...s.during.map((d) => d.external));
  const peakHeap = Math.max(s.before.heapUsed, ...s.during.map((d) => d.heapUsed));
  const grew = peakExternal - s.before.external;
  const allowed = slowReaders * PER_SLOW_READER + SLACK;
  const drift = total(s.pausedLate) - total(s.pausedEarly);
  const keptHeap = s.after.heapUsed - s.before.heapUsed;
  const ok = grew <= allowed && drift <= DRIFT && keptHeap <= KEPT && s.clientsAfter === 0;
  return { peakExternal, peakHeap, grew, allowed, drift, keptHeap, ok };
}
