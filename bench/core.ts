// npm run bench:core — ms/step and GFLOP/s of our core (statistics off and on) against PyTorch and tfjs,
// interleaved round by round in one run; prints a table with medians, spreads and ratios.
// --two-threads adds rows for our core with a helper thread splitting the products of at least --split-min
// multiply-adds (default: the service's SPLIT_MIN_MULTIPLY_ADDS default) — on the wall or thread clock (--clock=cpu
// is refused: it would add both threads); the one-thread rows of the same rounds are the comparison.
// --baseline=DIR also times the core of another checkout (e.g. `git archive main src | tar -x -C DIR`) in the
// same rounds, as "baseline (stats off/every step)", so a change is measured against its parent in one run.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_SPLIT_MIN } from '../src/config.ts';
import { runTraining, type TrainRunSpec } from '../src/core/index.ts';
import { startBenchHelper } from './lib/two-threads.ts';
import { type PeerName, type PeerWorkload, runPeer } from './peers/spawn.ts';
import { flopsPerStep, WORKLOADS, type WorkloadName } from './workloads.ts';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const rounds = Number(args.get('rounds') ?? 5);
const names = (args.get('workloads') ?? 'W1,W2,W3').split(',') as WorkloadName[];
const peersWanted = (args.get('peers') ?? 'torch,tfjs-wasm,tfjs-cpu')
  .split(',')
  .filter(Boolean) as PeerName[];
/** D50 is ours alone: the peers run W1–W3. */
const peerNames = names.filter((n): n is PeerWorkload => n !== 'D50');
const peers = peersWanted.filter((p) => p !== 'torch' || existsSync('/usr/bin/python3'));
const baselineDir = args.get('baseline');
// --clock=cpu times our runs (and the baseline's) in process CPU time: training is synchronous on this thread, so
// phases where the loaded machine deschedules us do not count; PyTorch (one BLAS thread) then times its CPU time
// too (time.process_time), the tfjs peers stay on wall time. --clock=thread times ours in this thread's CPU time
// (process.threadCpuUsage; PyTorch as for cpu): with --two-threads, the run's thread's share of the work — the
// critical path when the helper keeps up, what the wall clock of a quiet machine would show at best.
const clock = (args.get('clock') ?? 'wall') as 'wall' | 'cpu' | 'thread';
if (clock !== 'wall' && clock !== 'cpu' && clock !== 'thread')
  throw new Error(`bench/core.ts: --clock must be wall, cpu or thread, got ${clock}`);
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
/** Milliseconds on the chosen clock. */
const now =
  clock === 'cpu'
    ? () => cpuMs(process.cpuUsage())
    : clock === 'thread'
      ? () => cpuMs(process.threadCpuUsage())
      : () => performance.now();
const twoThreads = args.has('two-threads');
/** --split-min=N[,M…]: a pair of two-thread rows per cut-over. */
const splitMins = (args.get('split-min') ?? String(DEFAULT_SPLIT_MIN)).split(',').map(Number);
if (twoThreads && clock === 'cpu') {
  throw new Error(
    'bench/core.ts: --two-threads needs --clock=wall or thread (CPU time would sum both threads)',
  );
}
const helper = twoThreads ? startBenchHelper() : null;
type Train = (spec: TrainRunSpec) => unknown;
/** Our core with the helper thread lent to each run, splitting products of at least `splitMin` multiply-adds. */
const trainTwoThreads =
  (splitMin: number): Train =>
  (spec) => {
    if (!helper) throw new Error('no helper thread');
    try {
      return runTraining(spec, { threads: helper.threads(splitMin) });
    } finally {
      helper.release();
    }
  };
const baseline: Train | null = baselineDir
  ? (await import(pathToFileURL(resolve(baselineDir, 'src/core/index.ts')).href)).runTraining
  : null;

/** Steps per timed run, sized so one run takes ~0.3–1 s. */
const STEPS: Record<WorkloadName, number> = { W1: 60, W2: 15, W3: 3000, D50: 600 };
const BATCH: Record<WorkloadName, number> = { W1: 256, W2: 128, W3: 300, D50: 64 };
const PEER_REPS: Record<PeerWorkload, number> = { W1: 30, W2: 10, W3: 2000 };
const PEER_WARMUP: Record<PeerWorkload, number> = { W1: 5, W2: 3, W3: 300 };

/** ms per step: time N steps minus time of 1 step (setup, data, init and final evaluation cancel out). */
function timeOurs(name: WorkloadName, statsEvery: number | null, train: Train = runTraining): number {
  const steps = STEPS[name];
  const every = statsEvery ?? 1_000_000_000;
  const run = (n: number) => {
    const spec = WORKLOADS[name].spec(n, every);
    // Accuracy evaluation as in a 20,000-step run with defaults (every 100 steps), not every step of this short one;
    // D50 keeps its service run's rate (every 1000 steps).
    const evalEvery = statsEvery === null ? every : (spec.telemetry?.evalEvery ?? 100);
    spec.telemetry = { ...spec.telemetry, evalEvery };
    const t0 = now();
    train(spec);
    return now() - t0;
  };
  const one = run(1);
  const many = run(steps + 1);
  return (many - one) / steps;
}

type Row = Record<string, number[]>;
const samples: Record<WorkloadName, Row> = { W1: {}, W2: {}, W3: {}, D50: {} };
const add = (w: WorkloadName, who: string, ms: number) => {
  samples[w][who] ??= [];
  samples[w][who].push(ms);
};

// Warm the JIT once per workload.
for (const name of names) {
  timeOurs(name, 1);
  if (twoThreads) timeOurs(name, 1, trainTwoThreads(1));
  if (baseline) timeOurs(name, 1, baseline);
}

for (let r = 0; r < rounds; r++) {
  for (const name of names) {
    add(name, 'gradscope (stats off)', timeOurs(name, null));
    add(name, 'gradscope (stats every step)', timeOurs(name, 1));
    for (const min of twoThreads ? splitMins : []) {
      const label = `gradscope 2 threads, split ≥ ${min}`;
      add(name, `${label} (stats off)`, timeOurs(name, null, trainTwoThreads(min)));
      add(name, `${label} (stats every step)`, timeOurs(name, 1, trainTwoThreads(min)));
    }
    if (baseline) {
      add(name, 'baseline (stats off)', timeOurs(name, null, baseline));
      add(name, 'baseline (stats every step)', timeOurs(name, 1, baseline));
    }
  }
  for (const peer of peerNames.length ? peers : []) {
    const peerClock: 'wall' | 'cpu' = clock === 'wall' ? 'wall' : 'cpu';
    const request = {
      workloads: peerNames,
      warmup: PEER_WARMUP,
      reps: PEER_REPS,
      rounds: 1,
      clock: peerClock,
    };
    const out = await runPeer(peer, request);
    const label = peer === 'torch' ? `pytorch fp64 1 thread (${peerClock} clock)` : `${peer} (wall clock)`;
    for (const res of out.results) add(res.workload, label, res.median);
  }
  process.stderr.write(`round ${r + 1}/${rounds} done\n`);
}

await helper?.close();

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(
  `# bench:core — ${rounds} interleaved rounds, ${new Date().toISOString()}, node ${process.version}, ` +
    `our timings on the ${clock} clock`,
);
for (const name of names) {
  const spec = WORKLOADS[name].spec(1, 1);
  const flops = flopsPerStep(spec, BATCH[name]);
  const ours = median(samples[name]['gradscope (stats off)']);
  console.log(`\n## ${name}: ${WORKLOADS[name].title} (${(flops / 1e6).toFixed(2)} MFLOP/step)`);
  console.log(
    '| implementation | ms/step (median) | spread (min–max) | GFLOP/s | time ÷ gradscope (stats off) |',
  );
  console.log('|---|---|---|---|---|');
  for (const [who, xs] of Object.entries(samples[name])) {
    const m = median(xs);
    const spread = `${Math.min(...xs).toPrecision(3)}–${Math.max(...xs).toPrecision(3)}`;
    console.log(
      `| ${who} | ${m.toPrecision(3)} | ${spread} | ${(flops / m / 1e6).toFixed(2)} | ${(m / ours).toFixed(2)}× |`,
    );
  }
  // The statistics' cost as the median of each round's pair (every step ÷ off, timed one after the other): the
  // load drifts between rounds far more than within one, so the pairs resolve what the two medians above do not.
  for (const who of Object.keys(samples[name])) {
    if (!who.endsWith(' (stats off)')) continue;
    const prefix = who.slice(0, -' (stats off)'.length);
    const on = samples[name][`${prefix} (stats every step)`];
    if (!on) continue;
    const ratios = samples[name][who].map((off, i) => on[i] / off - 1);
    const pct = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%`;
    console.log(
      `statistics every step, ${prefix}: ${pct(median(ratios))} (median of ${ratios.length} rounds' pairs, ` +
        `${pct(Math.min(...ratios))} to ${pct(Math.max(...ratios))})`,
    );
  }
}
