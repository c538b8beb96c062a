/**
 * TensorFlow.js peer as a child process: one backend per process (see tfjs.ts; float32 only).
 *
 *   node --import tsx bench/peers/tfjs-cli.ts \
 *     '{"backend":"wasm","workloads":["W1","W2","W3"],"warmup":5,"reps":{"W1":10,"W2":5,"W3":500},"rounds":5}'
 *   node --import tsx bench/peers/tfjs-cli.ts --backend cpu --workloads W1,W3 --warmup 5 --reps W1=8,W3=500 --rounds 3
 *
 * The request is JSON on argv[2] (or on stdin when no argument is given), or flags. Keys:
 *   backend    "cpu" | "wasm"                                   default "wasm"
 *   workloads  list of "W1" | "W2" | "W3" (flag: comma list)    default all three
 *   warmup     steps per workload before timing: a number, or  default 5
 *              a map like reps (flag: W1=5,W2=3,W3=200 or one number)
 *   reps       steps per timed round: a number, or a map        default 20
 *              {"W1": 10, "W2": 5, "W3": 500} (flag: W1=10,W2=5,W3=500 or one number)
 *   rounds     timed rounds; rounds interleave the workloads    default 5
 *
 * Output: JSON lines on stdout, same shape as bench/peers/torch_steps.py, with peer "tfjs-cpu" or
 * "tfjs-wasm":
 *   {"type":"meta","peer":"tfjs-wasm","backend":"wasm","dtype":"float32","versions":{...},...}
 *   {"type":"round","peer":"tfjs-wasm","workload":"W1","round":0,"reps":10,"ms_per_step":57.1}
 *   {"type":"result","peer":"tfjs-wasm","workload":"W1","ms_per_step":[...],"median":..,"min":..,
 *    "max":..,"spread":..,"warmup":..,"reps":..,"rounds":..,"loss_first":..,"loss_last":..,
 *    "tensors":[live tensors after set-up + warm-up, at end]}  (all workloads; equal = no leak)
 * tfjs's own console warnings go to stderr.
 */
import { readFileSync } from 'node:fs';
import {
  getTfjsWorkload,
  initTfjsBackend,
  type TfjsBackend,
  type TfjsWorkloadName,
  tfjsInfo,
} from './tfjs.ts';

interface Request {
  backend: TfjsBackend;
  workloads: TfjsWorkloadName[];
  warmup: number | Partial<Record<TfjsWorkloadName, number>>;
  reps: number | Partial<Record<TfjsWorkloadName, number>>;
  rounds: number;
}

const DEFAULT_REPS = 20;
const DEFAULT_WARMUP = 5;

function parseArgs(argv: string[]): Request {
  let raw: Record<string, unknown> = {};
  if (argv.length === 0) {
    const text = readFileSync(0, 'utf8');
    if (text.trim()) raw = JSON.parse(text);
  } else if (argv[0].trim().startsWith('{')) {
    raw = JSON.parse(argv[0]);
  } else {
    for (let i = 0; i < argv.length; i++) {
      const flag = argv[i];
      const val = argv[i + 1];
      if (!flag.startsWith('--') || val === undefined) throw new Error(`bad argument ${flag}`);
      i++;
      const key = flag.slice(2);
      if (key === 'workloads') raw.workloads = val.split(',');
      else if ((key === 'reps' || key === 'warmup') && val.includes('=')) {
        raw[key] = Object.fromEntries(
          val.split(',').map((kv) => [kv.split('=')[0], Number(kv.split('=')[1])]),
        );
      } else if (key === 'backend') raw.backend = val;
      else raw[key] = Number(val);
    }
  }
  const backend = (raw.backend ?? 'wasm') as TfjsBackend;
  if (backend !== 'cpu' && backend !== 'wasm') throw new Error(`backend must be cpu or wasm, not ${backend}`);
  const workloads = (raw.workloads ?? ['W1', 'W2', 'W3']) as TfjsWorkloadName[];
  for (const w of workloads) if (!['W1', 'W2', 'W3'].includes(w)) throw new Error(`unknown workload ${w}`);
  return {
    backend,
    workloads,
    warmup: (raw.warmup ?? DEFAULT_WARMUP) as Request['warmup'],
    reps: (raw.reps ?? DEFAULT_REPS) as Request['reps'],
    rounds: Number(raw.rounds ?? 5),
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function main(): Promise<void> {
  const req = parseArgs(process.argv.slice(2));
  const repsFor = (w: TfjsWorkloadName): number =>
    typeof req.reps === 'number' ? req.reps : (req.reps[w] ?? DEFAULT_REPS);
  const warmupFor = (w: TfjsWorkloadName): number =>
    typeof req.warmup === 'number' ? req.warmup : (req.warmup[w] ?? DEFAULT_WARMUP);
  const peer = `tfjs-${req.backend}`;
  const out = (o: unknown): void => {
    process.stdout.write(`${JSON.stringify(o)}\n`);
  };

  await initTfjsBackend(req.backend);
  out({
    type: 'meta',
    peer,
    node: process.version,
    threads: 1,
    ...(await tfjsInfo()),
    request: req,
  });

  const runners = [];
  for (const w of req.workloads) {
    const r = await getTfjsWorkload(req.backend, w);
    let loss = Number.NaN;
    for (let i = 0; i < warmupFor(w); i++) loss = r.step();
    runners.push({ w, r, lossFirst: loss, lossLast: loss, times: [] as number[] });
  }
  // live tensors (all workloads together) after set-up and warm-up; must be the same at the end
  const tensorsBefore = runners.length ? runners[0].r.tensorsAfterStep() : 0;

  for (let round = 0; round < req.rounds; round++) {
    for (const x of runners) {
      const n = repsFor(x.w);
      let loss = Number.NaN;
      const t0 = performance.now();
      for (let i = 0; i < n; i++) loss = x.r.step();
      const ms = (performance.now() - t0) / n;
      x.times.push(ms);
      x.lossLast = loss;
      if (Number.isNaN(x.lossFirst)) x.lossFirst = loss;
      out({ type: 'round', peer, workload: x.w, round, reps: n, ms_per_step: ms });
    }
  }

  for (const x of runners) {
    const ts = x.times;
    const med = ts.length ? median(ts) : null;
    const min = ts.length ? Math.min(...ts) : null;
    const max = ts.length ? Math.max(...ts) : null;
    out({
      type: 'result',
      peer,
      dtype: 'float32',
      threads: 1,
      workload: x.w,
      ms_per_step: ts,
      median: med,
      min,
      max,
      spread: med && min !== null && max !== null ? (max - min) / med : null,
      warmup: warmupFor(x.w),
      reps: repsFor(x.w),
      rounds: req.rounds,
      loss_first: x.lossFirst,
      loss_last: x.lossLast,
      tensors: [tensorsBefore, x.r.tensorsAfterStep()],
    });
  }
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
