// bench:load, part 4: a subscriber flood (issue 12 §2). Two runs train and record; then 2,000 WebSocket
// subscribers join them at once, each asking for the whole history (from step 0) and then the live steps.
// What must hold: no lease renewal or claim fails or lags (control traffic never waits behind the history
// reads), /healthz stays fast, no healthy subscriber is dropped, and every subscriber gets every step it
// asked for, once and in order, through the history/live seam.
import { now } from './clock.ts';
import { type Bench, cancel, isDone, probeHealth, submit, waitRuns } from './harness.ts';
import type { ControlCalls } from './server-protocol.ts';
import { courseRun } from './specs.ts';
import { note, sleep } from './stats.ts';
import type { Swarm } from './swarm.ts';
import type { Completeness, GroupStats } from './swarm-protocol.ts';

export interface FloodOptions {
  /** Subscribers joining at once, half on each run. */
  subscribers: number;
  /** Recorded steps each run has before the flood (the history every joiner replays). */
  historySteps: number;
  /** Live time after everyone joined, before the runs are cancelled. */
  liveSeconds: number;
}

export interface FloodResult {
  opened: number;
  failedToOpen: number;
  openErrors: string[];
  openSeconds: number;
  /** Steps recorded per run when the flood began, and at the end. */
  historyAtJoin: [number, number];
  recordedAtEnd: [number, number];
  /** /healthz every 50 ms: on new connections as needed (fetch's pool), and queued on one kept-alive connection. */
  health: { p99: number; max: number; failed: number };
  healthPersistent: { p99: number; max: number; failed: number };
  /** The same probes and stall for 5 s just before the flood (the runs training, no subscriber): the baseline. */
  baseline: {
    health: { p99: number; max: number; failed: number };
    healthPersistent: { p99: number; max: number; failed: number };
    maxStallMs: number;
  };
  maxStallMs: number;
  /** From the flood's start to its end: the event-loop delay's 99th percentile, and the main thread's CPU time. */
  p99StallMs: number;
  mainCpuMs: number;
  /** Renewals and claims from the flood's start to the runs' end (counts); longest times since the start. */
  control: ControlCalls;
  groups: Record<string, GroupStats>;
  completeness: Record<string, Completeness>;
}

/**
 * The two runs: the course network on 3,000 points (a few hundred steps/s per worker here), statistics every
 * 10 steps; subscribers of the first read ?every=50 (every 5th recorded step), those of the second a chart's
 * ?every=200, as in the attack. (Every recorded step for 1,000 joiners would be 1.5 million history
 * messages, ~1 GB through loopback: more than this 2-core machine moves while it also runs the clients.)
 */
const floodRun = (name: string) => courseRun(name, 1_000_000, 10, 3000);

async function progressOf(b: Bench, id: string): Promise<number> {
  const res = await fetch(`${b.url}/v1/runs/${id}`, { signal: AbortSignal.timeout(30_000) });
  const run = (await res.json()) as { progress: { step: number | null } };
  return run.progress.step ?? -1;
}

export async function floodLoad(b: Bench, swarm: Swarm, o: FloodOptions): Promise<FloodResult> {
  const runs = [await submit(b, floodRun('flood-a')), await submit(b, floodRun('flood-b'))];
  const deadline = Date.now() + 120_000;
  // History to replay: wait until both have recorded `historySteps` (10 steps apart).
  for (;;) {
    const steps = await Promise.all(runs.map((id) => progressOf(b, id)));
    if (steps.every((s) => s >= o.historySteps * 10)) break;
    if (Date.now() > deadline) throw new Error(`floodLoad: runs at ${steps.join(', ')} after 120 s`);
    await sleep(250);
  }
  const historyAtJoin = (await Promise.all(runs.map((id) => b.recordedSteps(id)))).map((s) => s.length) as [
    number,
    number,
  ];
  // Baseline: the machine and the service as they are without subscribers (the runs training).
  await b.takeMaxStallMs();
  const baseProbe = [probeHealth(b, 50), probeHealth(b, 50, { persistent: true })];
  await sleep(5000);
  const baseline = {
    health: baseProbe[0].stop(),
    healthPersistent: baseProbe[1].stop(),
    maxStallMs: await b.takeMaxStallMs(),
  };
  const controlBefore = await b.controlCalls();
  await b.takeStall();
  const health = probeHealth(b, 50);
  const healthPersistent = probeHealth(b, 50, { persistent: true });
  note(`${o.subscribers} subscribers joining at once (history ${historyAtJoin.join(', ')} steps)`);
  const t0 = now();
  const opened = await swarm.open(
    Array.from({ length: o.subscribers }, (_, i) =>
      i % 2 === 0
        ? { url: `${b.wsUrl}/v1/runs/${runs[0]}/stream?every=50`, run: runs[0], group: 'every-50' }
        : { url: `${b.wsUrl}/v1/runs/${runs[1]}/stream?every=200`, run: runs[1], group: 'every-200' },
    ),
    o.subscribers,
  );
  note(`joined in ${((now() - t0) / 1000).toFixed(1)} s (${opened.ok} ok, ${opened.failed} failed)`);
  await sleep(o.liveSeconds * 1000);
  for (const id of runs) await cancel(b, id);
  await waitRuns(b, runs, isDone, 60_000, 'flood runs cancelled');
  // The end message and the close follow the run's end: give the subscribers time to get them.
  await sleep(3000);
  const healthStats = health.stop();
  const healthPersistentStats = healthPersistent.stop();
  const { maxMs: maxStallMs, p99Ms: p99StallMs, mainCpuMs } = await b.takeStall();
  const controlAfter = await b.controlCalls();
  const recorded = await Promise.all(runs.map((id) => b.recordedSteps(id)));
  const stats = await swarm.stats();
  const completeness = await swarm.completeness(Object.fromEntries(runs.map((id, i) => [id, recorded[i]])));
  await swarm.closeAll();
  return {
    opened: opened.ok,
    failedToOpen: opened.failed,
    openErrors: opened.errors,
    openSeconds: opened.ms / 1000,
    historyAtJoin,
    recordedAtEnd: recorded.map((s) => s.length) as [number, number],
    health: healthStats,
    healthPersistent: healthPersistentStats,
    baseline,
    maxStallMs,
    p99StallMs,
    mainCpuMs,
    control: {
      renewals: controlAfter.renewals - controlBefore.renewals,
      failedRenewals: controlAfter.failedRenewals - controlBefore.failedRenewals,
      maxRenewalMs: controlAfter.maxRenewalMs,
      maxRenewalGapMs: controlAfter.maxRenewalGapMs,
      claims: controlAfter.claims - controlBefore.claims,
      failedClaims: controlAfter.failedClaims - controlBefore.failedClaims,
      maxClaimMs: controlAfter.maxClaimMs,
    },
    groups: stats.groups,
    completeness,
  };
}

/** Subscribers that did not end with the run's own close (1000): refused, dropped, failed, or still open. */
export function droppedOf(r: FloodResult): number {
  let n = 0;
  for (const g of Object.values(r.groups)) n += g.clients - (g.closes['1000'] ?? 0);
  return n;
}
