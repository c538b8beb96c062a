// bench:load, part 3: two runs of a tiny network recording statistics every step as fast as the workers go
// (the course net on 300 points: thousands of rows/s each). The service must keep answering, keep its
// leases and not crash.
import { type Bench, cancel, getRun, isDone, probeHealth, submit, waitRuns } from './harness.ts';
import { courseRun } from './specs.ts';
import { note, sleep } from './stats.ts';

export interface FastLoadOptions {
  seconds: number;
}

export interface FastLoadResult {
  /** Steps the two runs reached, and how many times each was started (1 unless its lease lapsed). */
  steps: number[];
  attempts: number[];
  statuses: string[];
  /** GET /healthz every 100 ms: the slowest answer (a stalled event loop answers late). */
  healthMaxMs: number;
  healthFailed: number;
  maxStallMs: number;
  /** Steps persisted per second by the two runs together during the window. */
  stepsPerSec: number;
  /** What could not be done afterwards (timeouts of a stalled service). */
  errors: string[];
}

const settle = <T>(p: Promise<T>) =>
  p.then(
    (v) => ({ ok: true as const, v }),
    (e: unknown) => ({ ok: false as const, e: e instanceof Error ? e.message : String(e) }),
  );

export async function fastLoad(b: Bench, o: FastLoadOptions): Promise<FastLoadResult> {
  await b.takeMaxStallMs();
  // Watch from the submission on: the trouble, if any, starts with the first rows.
  const health = probeHealth(b, 100);
  const t0 = performance.now();
  const ids = [
    await submit(b, courseRun('fast-1', 500_000, 1)),
    await submit(b, courseRun('fast-2', 500_000, 1)),
  ];
  note(`two fast recorders for ${o.seconds} s`);
  await sleep(Math.max(0, o.seconds * 1000 - (performance.now() - t0)));
  const h = health.stop();
  const elapsed = (performance.now() - t0) / 1000;
  // From here on a stalled service may answer late or never: keep what can be had, say what could not.
  const errors: string[] = [];
  const mid = await settle(Promise.all(ids.map((id) => getRun(b, id).then((r) => r.run))));
  if (!mid.ok) errors.push(`reading the runs: ${mid.e}`);
  for (const id of ids) {
    const c = await settle(cancel(b, id));
    if (!c.ok) errors.push(`cancelling: ${c.e}`);
  }
  const runs = await settle(waitRuns(b, ids, isDone, 30_000, 'fast runs finished'));
  if (!runs.ok) errors.push(runs.e);
  const stall = await settle(b.takeMaxStallMs());
  if (!stall.ok) errors.push(`stall: ${stall.e}`);
  return {
    steps: runs.ok ? runs.v.map((r) => r.progress.step ?? 0) : [],
    attempts: runs.ok ? runs.v.map((r) => r.attempts) : [],
    statuses: runs.ok ? runs.v.map((r) => r.status) : [],
    healthMaxMs: h.max,
    healthFailed: h.failed,
    maxStallMs: stall.ok ? stall.v : Number.NaN,
    stepsPerSec: mid.ok ? mid.v.reduce((n, r) => n + (r?.progress.step ?? 0), 0) / elapsed : Number.NaN,
    errors,
  };
}
