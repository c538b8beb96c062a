// node --import tsx bench/kernels.ts [--rounds=7] [--ms=60] [--clock=wall|cpu] — GFLOP/s of the JS (matmul.ts)
// GEMM kernels and both WebAssembly builds of kernels/gemm.ts (plain SIMD, relaxed-SIMD FMA) on the benchmark
// workloads' layer shapes, interleaved round by round; prints a markdown table of medians, min–max spreads
// and ratios. --clock=cpu times the process's CPU time (the kernels run on this thread and allocate
// nothing), so phases where the shared machine deschedules us do not count (caches are still shared).
import {
  createWasmKernels,
  jsKernels,
  type Kernels,
  wasmVariantAvailable,
} from '../src/core/wasm/kernels.ts';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const rounds = Number(args.get('rounds') ?? 7);
const sampleMs = Number(args.get('ms') ?? 60);
const clock = args.get('clock') ?? 'wall';
if (clock !== 'wall' && clock !== 'cpu')
  throw new Error(`bench/kernels.ts: --clock must be wall or cpu, got ${clock}`);
/** Seconds on the chosen clock. */
const now =
  clock === 'cpu'
    ? () => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1e6;
      }
    : () => performance.now() / 1000;

type Form = 'gemmABt' | 'gemmAB' | 'gemmAtB';
type Impl = 'js' | 'simd' | 'relaxed';
if (!wasmVariantAvailable('relaxed')) throw new Error('bench/kernels.ts: this runtime lacks relaxed SIMD');

/** A dense layer X (batch, in) → Z (batch, out) with W (out, in), from bench/workloads.ts. */
const LAYERS = [
  { name: 'W1 64→64', batch: 256, out: 64, in: 64 },
  { name: 'W2 784→512', batch: 128, out: 512, in: 784 },
  { name: 'W2 512→512', batch: 128, out: 512, in: 512 },
  { name: 'W2 512→10', batch: 128, out: 10, in: 512 },
  { name: 'W3 2→10', batch: 300, out: 10, in: 2 },
];

/** The (m, n, k) each form runs for a layer: Z = X·Wᵀ, dX = dZ·W, dW = dZᵀ·X. */
const shapeOf = (form: Form, l: (typeof LAYERS)[number]): [number, number, number] =>
  form === 'gemmABt'
    ? [l.batch, l.out, l.in]
    : form === 'gemmAB'
      ? [l.batch, l.in, l.out]
      : [l.out, l.in, l.batch];

interface Case {
  label: string;
  form: Form;
  m: number;
  n: number;
  k: number;
  run: Record<Impl, () => void>;
  reps: Record<Impl, number>;
  gflops: Record<Impl, number[]>;
}

/** Operands for one shape from `kernels`, filled with the same deterministic values. */
function operands(kernels: Kernels, m: number, n: number, k: number) {
  const A = kernels.f64(m * k);
  const B = kernels.f64(n * k);
  const C = kernels.f64(m * n);
  for (let i = 0; i < A.length; i++) A[i] = Math.sin(0.37 * i);
  for (let i = 0; i < B.length; i++) B[i] = Math.cos(0.11 * i);
  return { A, B, C };
}

const forms: Form[] = ['gemmABt', 'gemmAB', 'gemmAtB'];
const shapes = LAYERS.flatMap((l) => forms.map((form) => ({ label: l.name, form, mnk: shapeOf(form, l) })));
const doubles = shapes.reduce((s, { mnk: [m, n, k] }) => s + m * k + n * k + m * n + 6, 0);
const simd = createWasmKernels(doubles, 'simd');
const relaxed = createWasmKernels(doubles, 'relaxed');

const cases: Case[] = shapes.map(({ label, form, mnk: [m, n, k] }) => {
  const j = operands(jsKernels, m, n, k);
  const s = operands(simd, m, n, k);
  const x = operands(relaxed, m, n, k);
  return {
    label,
    form,
    m,
    n,
    k,
    run: {
      js: () => jsKernels[form](j.A, j.B, j.C, m, n, k),
      simd: () => simd[form](s.A, s.B, s.C, m, n, k),
      relaxed: () => relaxed[form](x.A, x.B, x.C, m, n, k),
    },
    reps: { js: 1, simd: 1, relaxed: 1 },
    gflops: { js: [], simd: [], relaxed: [] },
  };
});

/** Seconds per call over `reps` calls. */
function time(fn: () => void, reps: number): number {
  const t0 = now();
  for (let r = 0; r < reps; r++) fn();
  return (now() - t0) / reps;
}

const IMPLS: Impl[] = ['js', 'simd', 'relaxed'];

// Warm up (JIT and wasm tier-up happen on repeated calls) and size each sample to ~sampleMs.
for (const c of cases) {
  for (const impl of IMPLS) {
    let reps = 1;
    while (time(c.run[impl], reps) * reps < 0.1) reps *= 2;
    c.reps[impl] = Math.max(1, Math.round(sampleMs / 1000 / time(c.run[impl], reps)));
  }
}

for (let r = 0; r < rounds; r++) {
  for (const c of cases) {
    // Rotate which implementation goes first so none always runs on a warmer cache.
    const order = IMPLS.map((_, i) => IMPLS[(i + r) % IMPLS.length]);
    for (const impl of order)
      c.gflops[impl].push((2 * c.m * c.n * c.k) / time(c.run[impl], c.reps[impl]) / 1e9);
  }
  process.stderr.write(`round ${r + 1}/${rounds} done\n`);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const cell = (xs: number[]) =>
  `${median(xs).toFixed(2)} (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`;
console.log(
  `# bench/kernels.ts — ${rounds} interleaved rounds × ~${sampleMs} ms of ${clock} time, node ${process.version}`,
);
console.log('');
console.log(
  '| layer | kernel | m×n×k | JS GFLOP/s | wasm SIMD GFLOP/s | wasm relaxed (FMA) GFLOP/s | relaxed/SIMD |',
);
console.log('|---|---|---|---:|---:|---:|---:|');
for (const c of cases) {
  // Ratio of medians of per-round ratios: both builds ran back to back in each round.
  const ratios = c.gflops.relaxed.map((g, i) => g / c.gflops.simd[i]);
  console.log(
    `| ${c.label} | ${c.form} | ${c.m}×${c.n}×${c.k} | ${cell(c.gflops.js)} | ${cell(c.gflops.simd)} | ` +
      `${cell(c.gflops.relaxed)} | ${median(ratios).toFixed(3)}× |`,
  );
}
