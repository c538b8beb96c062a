// WebSocket fan-out: N subscribers on one live run recording every step; delivered messages/s, delivery
// latency (the service published the step → a client received it) and service memory, per N.
import { now } from './clock.ts';
import {
  type Bench,
  cancel,
  getRun,
  isDone,
  isTraining,
  probeHealth,
  sampleRss,
  scrapeMetrics,
  submit,
  waitRuns,
} from './harness.ts';
import type { ServerMemory } from './server-protocol.ts';
import { courseRun, slowTrain } from './specs.ts';
import { note, sleep } from './stats.ts';
import type { Swarm } from './swarm.ts';
import type { GroupStats, LatencySummary } from './swarm-protocol.ts';

export interface FanoutOptions {
  subscribers: number[];
  seconds: number;
  warmupMs: number;
  /** Circles points of the live run (they set its step rate). */
  dataN: number;
  /** Steps of the live run: it ends by itself even if cancelling fails. */
  steps: number;
}

export interface FanoutRow {
  n: number;
  opened: number;
  /** Seconds until every subscriber had its hello. */
  openSeconds: number;
  /** Steps the service published per second during the window. */
  publishedPerSec: number;
  /** Step messages received per second, all clients together. */
  deliveredPerSec: number;
  /** Share of published steps an average client received. */
  deliveredShare: number;
  clientsCoalesced: number;
  latency: LatencySummary | undefined;
  before: ServerMemory;
  peakRss: number;
  after: ServerMemory;
  /** Longest event-loop stall of the service during the window (ms), and GET /healthz's worst time. */
  maxStallMs: number;
  healthMaxMs: number;
  /** Most rows waiting for the database (at the window's ends). */
  pendingRows: number;
  /** Starts of the live run (more than 1: its lease lapsed and it was taken over). */
  attempts: number;
}

const delta = (a: GroupStats | undefined, b: GroupStats | undefined) => (b?.steps ?? 0) - (a?.steps ?? 0);

/**
 * The subscribers join while the run is still queued (both workers busy with blocker runs), so that
 * the window measures live fan-out only: joining a live run replays its history to each subscriber
 * from the database, a different cost.
 */
async function one(b: Bench, swarm: Swarm, n: number, o: FanoutOptions): Promise<FanoutRow> {
  const before = await b.memory(true);
  const blockers = [await submit(b, slowTrain('blocker-1')), await submit(b, slowTrain('blocker-2'))];
  await waitRuns(b, blockers, isTraining, 30_000, 'blocker runs training');
  const id = await submit(b, courseRun(`fanout-${n}`, o.steps, 1, o.dataN));
  await b.watch(id);
  const url = `${b.wsUrl}/v1/runs/${id}/stream`;
  note(`fan-out ${n}: subscribing to the queued run`);
  const rss = sampleRss(b);
  const opened = await swarm.open(Array.from({ length: n }, () => ({ url, run: id, group: 'sub' })));
  for (const blocker of blockers) await cancel(b, blocker);
  await waitRuns(b, [id], isTraining, 30_000, 'live run training');
  await sleep(o.warmupMs);
  const s1 = await swarm.stats();
  const m1 = await scrapeMetrics(b);
  await b.takeMaxStallMs();
  const health = probeHealth(b);
  const t1 = now();
  await sleep(o.seconds * 1000);
  const s2 = await swarm.stats();
  const t2 = now();
  const healthMaxMs = health.stop().max;
  const maxStallMs = await b.takeMaxStallMs();
  const m2 = await scrapeMetrics(b);
  const published = await b.published(t1);
  const pubInWindow = Array.from(published[id]?.times ?? []).filter((t) => t < t2).length;
  note(`fan-out ${n}: window done, computing latencies`);
  const latency = (await swarm.latency(published)).sub;
  const attempts = (await getRun(b, id)).run?.attempts ?? 0;
  await cancel(b, id);
  await waitRuns(b, [id], isDone, 60_000, 'live run cancelled');
  await swarm.closeAll();
  const peakRss = Math.max(...rss.stop());
  await sleep(500);
  const after = await b.memory(true);
  const publishedPerSec = pubInWindow / ((t2 - t1) / 1000);
  const deliveredPerSec = delta(s1.groups.sub, s2.groups.sub) / ((s2.t - s1.t) / 1000);
  note(`fan-out ${n}: ${Math.round(deliveredPerSec)} msg/s delivered`);
  return {
    n,
    opened: opened.ok,
    openSeconds: opened.ms / 1000,
    publishedPerSec,
    deliveredPerSec,
    deliveredShare: deliveredPerSec / n / publishedPerSec,
    clientsCoalesced: s2.groups.sub?.clientsCoalesced ?? 0,
    latency,
    before,
    peakRss,
    after,
    maxStallMs,
    healthMaxMs,
    pendingRows: Math.max(
      m1.get('gradscope_telemetry_pending_rows') ?? 0,
      m2.get('gradscope_telemetry_pending_rows') ?? 0,
    ),
    attempts,
  };
}

export async function fanout(b: Bench, swarm: Swarm, o: FanoutOptions): Promise<FanoutRow[]> {
  const rows: FanoutRow[] = [];
  for (const n of o.subscribers) {
    try {
      rows.push(await one(b, swarm, n, o));
    } catch (e) {
      // A stalled or crashed service: keep what was measured, say what stopped the rest.
      note(`fan-out ${n} failed: ${e instanceof Error ? e.message : e}`);
      await swarm.closeAll().catch(() => {});
      break;
    }
  }
  return rows;
}
