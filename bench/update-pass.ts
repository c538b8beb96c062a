// node --import tsx bench/update-pass.ts --baseline=DIR — CPU time of a recorded step's optimizer update and its
// statistics on W2's parameters (784-512-512-10): this tree's one fused WASM pass (updateParams over each layer's
// W and b) against the three passes of a tree before it (DIR holds `git archive <commit> src`: the moments of dW
// per layer, the optimizer writing Δθ in TypeScript, then θ += Δθ with ‖W‖ and ‖ΔW‖ in TypeScript), interleaved
// round by round; also an unrecorded step (one pass over θ, no sums) on both.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { allocateOptimizer, createOptimizer } from '../src/core/optimizers.ts';
import type { OptimizerSpec } from '../src/core/spec.ts';
import { UPDATE_SUMS } from '../src/core/update-rules.ts';
import { createWasmKernels } from '../src/core/wasm/kernels.ts';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const baselineDir = args.get('baseline');
if (!baselineDir)
  throw new Error('bench/update-pass.ts: --baseline=DIR (a tree with the old src/core) is required');
const rounds = Number(args.get('rounds') ?? 7);
const reps = Number(args.get('reps') ?? 40);
const at = (file: string) => pathToFileURL(resolve(baselineDir, 'src/core', file)).href;
const old = {
  optimizers: await import(at('optimizers.ts')),
  stats: await import(at('stats.ts')),
  kernels: await import(at('wasm/kernels.ts')),
};

/** (fanIn, fanOut) of W2's layers; each layer is W (fanOut × fanIn) then b (fanOut) in θ. */
const SHAPES: [number, number][] = [
  [784, 512],
  [512, 512],
  [512, 10],
];
const L = SHAPES.length;
const offsets = [0];
for (const [i, n] of SHAPES) offsets.push(offsets[offsets.length - 1] + i * n + n);
const size = offsets[L];
const OPTIMIZERS: OptimizerSpec[] = [
  { kind: 'sgd', lr: 1e-6 },
  { kind: 'adam', lr: 1e-6 },
];
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const fill = (x: Float64Array, seed: number) => {
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.7 + seed) * 0.1;
};

/** This tree: θ, g, the optimizer's state, the layer ranges and their sums in one arena. */
function fused(spec: OptimizerSpec) {
  const k = createWasmKernels(6 * size + 64 + 4 * L + 2 * UPDATE_SUMS * L);
  const [theta, g] = [k.f64(size), k.f64(size)];
  const opt = createOptimizer(spec, allocateOptimizer(spec, size, k.f64), k, theta, g);
  const whole = k.f64(2);
  whole.set([0, size]);
  const ranges = k.f64(4 * L);
  SHAPES.forEach(([i, n], l) => {
    ranges.set([offsets[l], i * n, offsets[l] + i * n, n], 4 * l);
  });
  const sums = k.f64(2 * UPDATE_SUMS * L);
  fill(theta, 1);
  fill(g, 2);
  return (recorded: boolean) => {
    opt.beginStep();
    if (recorded) opt.apply(ranges, 2 * L, sums);
    else opt.apply(whole, 1, null);
  };
}

/** The tree before: moments per layer, computeUpdate into Δθ, applyUpdateWithStats (or θ += Δθ when unrecorded). */
function threePasses(spec: OptimizerSpec) {
  const k = old.kernels.createWasmKernels(2 * size + 8);
  const [theta, g] = [k.f64(size), k.f64(size)];
  const update = new Float64Array(size);
  const view = (x: Float64Array) =>
    SHAPES.map(([i, n], l) => ({
      W: x.subarray(offsets[l], offsets[l] + i * n),
      b: x.subarray(offsets[l] + i * n, offsets[l + 1]),
    }));
  const [params, grads, updates] = [view(theta), view(g), view(update)];
  const opt = old.optimizers.createOptimizer(spec, size);
  const out = new Float64Array(L * 18);
  const sums = new Float64Array(8);
  fill(theta, 1);
  fill(g, 2);
  return (recorded: boolean) => {
    if (recorded) for (const { W } of grads) k.moments(W, sums);
    opt.computeUpdate(g, update);
    if (recorded) old.stats.applyUpdateWithStats(params, updates, out);
    else for (let i = 0; i < size; i++) theta[i] += update[i];
  };
}

const samples: Record<string, number[]> = {};
const cases = OPTIMIZERS.flatMap((spec) => [
  { name: `${spec.kind}: this tree, one fused pass`, step: fused(spec) },
  { name: `${spec.kind}: baseline, three passes`, step: threePasses(spec) },
]);
for (const c of cases) for (let i = 0; i < 5; i++) c.step(true);
for (let r = 0; r < rounds; r++) {
  for (const c of cases) {
    for (const recorded of [true, false]) {
      const t0 = cpuMs();
      for (let i = 0; i < reps; i++) c.step(recorded);
      const key = `${c.name}, ${recorded ? 'recorded step' : 'unrecorded step'}`;
      samples[key] ??= [];
      samples[key].push((cpuMs() - t0) / reps);
    }
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(
  `# bench/update-pass.ts — ${rounds} interleaved rounds × ${reps} steps, ${new Date().toISOString()}, ` +
    `node ${process.version}, W2's ${size} parameters, CPU time`,
);
console.log('| case | ms per step (median) | spread (min–max) |');
console.log('|---|---:|---|');
for (const [k, xs] of Object.entries(samples)) {
  console.log(
    `| ${k} | ${median(xs).toFixed(3)} | ${Math.min(...xs).toFixed(3)}–${Math.max(...xs).toFixed(3)} |`,
  );
}
