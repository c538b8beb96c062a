// Telemetry write rate and cost: the 50-layer network with statistics every step vs every 1000 steps,
// interleaved; layer-steps/s persisted (from /metrics), training steps/s, and bytes per stored step.
import { execFileSync } from 'node:child_process';
import { runTraining, type TrainRunSpec } from '../../src/core/index.ts';
import { type Bench, getRun, scrapeMetrics, submit } from './harness.ts';
import { deepRun } from './specs.ts';
import { note, sleep } from './stats.ts';

export interface TelemetryOptions {
  rounds: number;
  steps: number;
}

export interface TelemetrySample {
  every: number;
  /** The same training in this process, on the core alone (no worker, no database): the baseline. */
  coreStepsPerSec: number;
  stepsPerSec: number;
  /** Layer-steps and rows persisted per second over the run's life. */
  layerStepsPerSec: number;
  rowsPerSec: number;
  /** Most rows waiting for the database at any scrape. */
  peakPending: number;
  /** Longest event-loop stall during the run (ms). */
  maxStallMs: number;
}

export interface TelemetryResult {
  samples: TelemetrySample[];
  rows: number;
  tableBytes: number;
  dataDirGrowth: number | null;
}

const dirBytes = (dir: string) => Number(execFileSync('du', ['-sb', dir]).toString().split('\t')[0]);

/** Steps/s of the same spec on the core alone, in this process, records dropped. */
function coreRate(steps: number, every: number): number {
  const { name: _, ...spec } = deepRun('core', steps, every);
  const t0 = performance.now();
  runTraining(spec as TrainRunSpec, { onRecord() {} });
  return steps / ((performance.now() - t0) / 1000);
}

/** One run to the end, scraping /metrics every 200 ms. */
async function timedRun(b: Bench, steps: number, every: number): Promise<TelemetrySample> {
  const first = await scrapeMetrics(b);
  await b.takeMaxStallMs();
  const id = await submit(b, deepRun(`deep-every-${every}`, steps, every));
  let peakPending = 0;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (Date.now() > deadline)
      throw new Error(`telemetry: the every=${every} run did not finish within 120 s`);
    const m = await scrapeMetrics(b);
    peakPending = Math.max(peakPending, m.get('gradscope_telemetry_pending_rows') ?? 0);
    const { run } = await getRun(b, id);
    if (run?.finishedAt) {
      if (run.status !== 'succeeded') throw new Error(`telemetry: run ended ${run.status}`);
      const seconds = (Date.parse(run.finishedAt) - Date.parse(run.startedAt!)) / 1000;
      const last = await scrapeMetrics(b);
      // Read before the core-alone baseline below: that runs in this driver at full speed, and its core's
      // load is not the service's.
      const maxStallMs = await b.takeMaxStallMs();
      const d = (k: string) => (last.get(k) ?? 0) - (first.get(k) ?? 0);
      return {
        every,
        coreStepsPerSec: coreRate(steps, every),
        stepsPerSec: steps / seconds,
        layerStepsPerSec: d('gradscope_telemetry_layer_steps_written') / seconds,
        rowsPerSec: d('gradscope_telemetry_rows_written') / seconds,
        peakPending,
        maxStallMs,
      };
    }
    await sleep(200);
  }
}

export async function telemetry(b: Bench, o: TelemetryOptions): Promise<TelemetryResult> {
  coreRate(200, 1); // warm the JIT of this process
  // And the service's: its first job starts the worker pool (two threads booting the core on cores the loop shares:
  // a one-off stall that bench:service --only=cold counts, not the firehose's), so a short run goes first, unmeasured.
  await timedRun(b, 100, 1000);
  const dir0 = b.kind === 'pglite' ? dirBytes(b.dataDir) : null;
  const samples: TelemetrySample[] = [];
  for (let r = 0; r < o.rounds; r++) {
    for (const every of [1, 1000]) samples.push(await timedRun(b, o.steps, every));
    note(`telemetry round ${r + 1}/${o.rounds} done`);
  }
  const size = await b.tableSize();
  return {
    samples,
    rows: size.rows,
    tableBytes: size.bytes,
    dataDirGrowth: dir0 === null ? null : dirBytes(b.dataDir) - dir0,
  };
}
