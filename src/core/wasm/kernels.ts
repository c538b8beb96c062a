// The numeric core's kernels behind one interface: the plain TypeScript ones (matmul.ts, activations.ts, bias.ts,
// elementary.ts, update-rules.ts), or the WebAssembly SIMD ones of kernels/ (GEMM with relaxed-SIMD FMA where the
// runtime has it; element-wise functions and optimizer updates bit-identical to the TypeScript ones), on
// Float64Arrays from a bump arena in wasm memory.
import {
  activationBackward,
  activationBackwardSums,
  activationForward,
  activationForwardSums,
} from '../activations.ts';
import { addColumnSums, broadcastRows } from '../bias.ts';
import { exp, expm1Negative, log1p, sigmoid, softplus, tanh } from '../elementary.ts';
import { bceLossSum } from '../losses.ts';
import { gemmAB, gemmABt, gemmAtB } from '../matmul.ts';
import { layerSums, moments, sumSquares, sumSquaresWide } from '../reduce.ts';
import type { ActivationName } from '../spec.ts';
import { clampValues, scaleValues, UPDATE_SUMS, updateParams } from '../update-rules.ts';
import {
  createSplitControl,
  createSplitter,
  type GemmThreads,
  type SplitGemm,
  type StridedGemm,
} from './gemm-split.ts';
import { KERNELS_RELAXED_WASM_BASE64, KERNELS_WASM_BASE64 } from './kernels-wasm.ts';

type Gemm = (A: Float64Array, B: Float64Array, C: Float64Array, m: number, n: number, k: number) => void;

/** The element-wise functions `unary` applies (expm1 only for x ≤ 0: see elementary.ts). */
export const UNARY = ['exp', 'expm1', 'log1p', 'tanh', 'sigmoid', 'softplus'] as const;
export type UnaryName = (typeof UNARY)[number];

/** kernels/elementwise.ts's export names per activation (softmax is row-wise, in losses.ts). */
const ACTIVATION_EXPORT: Partial<Record<ActivationName, string>> = {
  linear: 'Linear',
  sigmoid: 'Sigmoid',
  tanh: 'Tanh',
  relu: 'Relu',
  leaky_relu: 'LeakyRelu',
  elu: 'Elu',
  softplus: 'Softplus',
};
const UNARY_EXPORT: Record<UnaryName, string> = {
  exp: 'Exp',
  expm1: 'Expm1',
  log1p: 'Log1p',
  tanh: 'Tanh',
  sigmoid: 'Sigmoid',
  softplus: 'Softplus',
};

export interface Kernels {
  /** C(m, n) += A(m, k) · B(n, k)ᵀ. */
  gemmABt: Gemm;
  /** C(m, n) += A(m, k) · B(k, n). */
  gemmAB: Gemm;
  /** C(m, n) += A(k, m)ᵀ · B(k, n). */
  gemmAtB: Gemm;
  /** A[i] = f(Z[i]) for i < len (not softmax). */
  activationForward: typeof activationForward;
  /** activationForward, and [Σz, Σz², Σa, Σa², #a ∉ [lo, hi]] into into[at … at + 5) (a recorded step's sums). */
  activationForwardSums: typeof activationForwardSums;
  /** dZ[i] = dA[i] · f′(Z[i]) for i < len (not softmax). */
  activationBackward: typeof activationBackward;
  /** activationBackward, returning Σ dZ[i]² (sumSquaresWide's sum: a recorded step's Σd² of a hidden layer). */
  activationBackwardSums: typeof activationBackwardSums;
  /** Every row of Z (rows, cols) = b (cols). */
  broadcastRows: typeof broadcastRows;
  /** db[j] += Σ_r dZ[r][j] for dZ (rows, cols). */
  addColumnSums: typeof addColumnSums;
  /** Σ of the binary cross-entropy terms of logits Z and labels Y (i < len). */
  bceLossSum: typeof bceLossSum;
  /** [Σx, Σx², min, max] of x into `into`. */
  moments: typeof moments;
  /** [Σd², Σz, Σz², Σa, Σa², #a ∉ [lo, hi]] of a layer's Z, A, dZ into `into`. */
  layerSums: typeof layerSums;
  /** y[i] = op(x[i]) for i < len. */
  unary(op: UnaryName, x: Float64Array, y: Float64Array, len: number): void;
  /** θ[i] += Δθ[i] over ranges of θ by an optimizer's rule, with their statistics into `into` (update-rules.ts). */
  updateParams: typeof updateParams;
  /** Σx² of x[0 … len) (all of x by default; four sets of sums, as reduce.ts). */
  sumSquares: typeof sumSquares;
  /** Σx² of x[0 … len) in sixteen sets (reduce.ts): a layer's deltas on a recorded step. */
  sumSquaresWide: typeof sumSquaresWide;
  /** Clamps x to [−c, c]; whether any value changed. */
  clampValues: typeof clampValues;
  /** x[i] *= s. */
  scaleValues: typeof scaleValues;
  /** Allocates a zeroed Float64Array of n values that these kernels can operate on. */
  f64(n: number): Float64Array;
}

const UNARY_REFERENCE: Record<UnaryName, (x: number) => number> = {
  exp,
  expm1: expm1Negative,
  log1p,
  tanh,
  sigmoid,
  softplus,
};

export const jsKernels: Kernels = {
  gemmABt,
  gemmAB,
  gemmAtB,
  activationForward,
  activationForwardSums,
  activationBackward,
  activationBackwardSums,
  broadcastRows,
  addColumnSums,
  bceLossSum,
  moments,
  layerSums,
  updateParams,
  sumSquares,
  sumSquaresWide,
  clampValues,
  scaleValues,
  unary(op, x, y, len) {
    const f = UNARY_REFERENCE[op];
    for (let i = 0; i < len; i++) y[i] = f(x[i]);
  },
  f64: (n) => new Float64Array(n),
};

/** What kernels/gemm.ts, elementwise.ts and updates.ts export; pointers are byte offsets into `memory`. */
interface KernelsExports {
  /** First byte past the kernels' static data and packing scratch (16-byte aligned). */
  arenaStart(): number;
  /** Bytes of packing scratch an instance needs; useScratch(at) moves this instance's to `at`. */
  scratchBytes(): number;
  useScratch(at: number): void;
  gemmStrided: StridedGemm;
  gemmABt(a: number, b: number, c: number, m: number, n: number, k: number): void;
  gemmAB(a: number, b: number, c: number, m: number, n: number, k: number): void;
  gemmAtB(a: number, b: number, c: number, m: number, n: number, k: number): void;
  broadcastRows(b: number, z: number, rows: number, cols: number): void;
  addColumnSums(dZ: number, db: number, rows: number, cols: number): void;
  bceLossSum(z: number, y: number, len: number): number;
  moments(x: number, len: number, out: number): void;
  layerSums(z: number, a: number, d: number, len: number, lo: number, hi: number, out: number): void;
  updateParams(
    kind: number,
    stats: number,
    theta: number,
    g: number,
    m: number,
    v: number,
    ranges: number,
    count: number,
    p: number,
    out: number,
  ): void;
  sumSquares(x: number, len: number): number;
  sumSquaresWide(x: number, len: number): number;
  clampValues(x: number, len: number, c: number): number;
  scaleValues(x: number, len: number, s: number): void;
  /** forwardTanh, forwardRelu, …: A[i] = f(Z[i]). */
  [forward: `forward${string}`]: (z: number, a: number, len: number, slope: number, alpha: number) => void;
  // forwardSumsTanh, …: forward* and the sums of Z and A into out (looked up by name, typed where picked).
  /** backwardTanh, …: dZ[i] = dA[i] · f′(Z[i]). */
  [backward: `backward${string}`]: (
    z: number,
    a: number,
    dA: number,
    dZ: number,
    len: number,
    slope: number,
    alpha: number,
  ) => void;
  // backwardSumsTanh, …: backward* returning Σ dZ[i]² (looked up by name, typed where picked).
  /** unaryExp, unaryTanh, …: y[i] = f(x[i]). */
  [unary: `unary${string}`]: (x: number, y: number, len: number) => void;
}

/** `table`'s kernel for an activation; throws for softmax (row-wise, see losses.ts). */
function kernelOf<F>(kernel: string, table: Partial<Record<ActivationName, F>>, name: ActivationName): F {
  const f = table[name];
  if (f === undefined) throw new Error(`${kernel}: ${name} is not element-wise`);
  return f;
}

const PAGE_BYTES = 65536;
/** Doubles the reductions write past the arena (layerSums: 6). */
const SCRATCH_DOUBLES = 8;
/** wasm32 addresses at most 65536 pages (4 GiB). */
const MAX_PAGES = 65536;

/**
 * The two builds of kernels/gemm.ts: 'simd' (a rounded multiply then a rounded add, bit-identical to
 * matmul.ts in the cases the tests list) and 'relaxed' (f64x2.relaxed_madd: fused where the CPU has FMA,
 * so last bits differ from JS, but a runtime always picks the same build, so runs stay deterministic).
 */
export type WasmVariant = 'simd' | 'relaxed';

const BASE64: Record<WasmVariant, string> = {
  simd: KERNELS_WASM_BASE64,
  relaxed: KERNELS_RELAXED_WASM_BASE64,
};

// Compiled once per thread on first use: ~54 KB each, small enough to compile synchronously (the core runs in
// Node workers; a browser main thread would refuse synchronous compiles above 4 KB).
const compiled: Partial<Record<WasmVariant, WebAssembly.Module>> = {};

function kernelsModule(variant: WasmVariant): WebAssembly.Module {
  compiled[variant] ??= new WebAssembly.Module(decodeBase64(BASE64[variant]));
  return compiled[variant];
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Whether this runtime validates the `variant` build (fixed-width SIMD; relaxed SIMD too for 'relaxed'). */
export function wasmVariantAvailable(variant: WasmVariant): boolean {
  if (typeof WebAssembly !== 'object') return false;
  return WebAssembly.validate(decodeBase64(BASE64[variant]));
}

/** The build createWasmKernels uses by default: 'relaxed' if validated, else 'simd', else null. */
export function preferredWasmVariant(): WasmVariant | null {
  return wasmVariantAvailable('relaxed') ? 'relaxed' : wasmVariantAvailable('simd') ? 'simd' : null;
}

/** Whether this runtime can compile the SIMD kernels (WebAssembly with the fixed-width SIMD proposal). */
export function wasmSimdAvailable(): boolean {
  return preferredWasmVariant() !== null;
}

/**
 * The `doubles` to give createWasmKernels so that its f64 can hand out every allocation `allocateAll` makes: one
 * dry run of it with an allocator that only counts (each count padded as f64 pads it), so the arena is sized from
 * the same list of buffers that is then allocated.
 */
export function arenaSize(allocateAll: (f64: (n: number) => Float64Array) => unknown): number {
  let doubles = 0;
  const none = new Float64Array(0);
  allocateAll((n) => {
    doubles += 2 * Math.ceil(n / 2);
    return none;
  });
  return doubles;
}

/** arenaStart and scratchBytes of a build: the same on every instance (static data + scratch), read once. */
const layouts: Partial<Record<WasmVariant, { arenaStart: number; scratchBytes: number }>> = {};

function layoutOf(variant: WasmVariant) {
  if (!layouts[variant]) {
    const exports = instantiate(variant, new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }));
    layouts[variant] = { arenaStart: exports.arenaStart(), scratchBytes: exports.scratchBytes() };
  }
  return layouts[variant];
}

/** An instance of a build on `memory` (the module imports its memory, shared, so threads can share it). */
function instantiate(variant: WasmVariant, memory: WebAssembly.Memory): KernelsExports {
  return new WebAssembly.Instance(kernelsModule(variant), { env: { memory } })
    .exports as unknown as KernelsExports;
}

/**
 * The helper's instance: the run's build on the run's memory, packing in the scratch the run set aside for it.
 * Its gemmStrided computes the parts serveSplits is handed (see gemm-split.ts).
 */
export function helperGemm(memory: WebAssembly.Memory, variant: WasmVariant, scratch: number): StridedGemm {
  const exports = instantiate(variant, memory);
  exports.useScratch(scratch);
  return exports.gemmStrided;
}

/**
 * WebAssembly SIMD kernels on a fresh instance whose memory holds an arena of `doubles` values, above the
 * kernels' 385 KB of packing scratch. `f64` hands out zeroed, 16-byte aligned views of the arena; each
 * allocation is padded to an even number of values, and one that does not fit throws. The kernels accept
 * only arrays from this arena. The memory (shared, never grown) is sized once, so the views stay attached.
 * `variant` defaults to preferredWasmVariant(). With `threads`, the memory also holds a helper's packing scratch,
 * `threads.offer` receives what a helper needs (at the first product worth splitting), and products are split with
 * it while one is attached.
 */
export function createWasmKernels(
  doubles: number,
  variant: WasmVariant = preferredWasmVariant() ?? 'simd',
  threads?: GemmThreads,
): Kernels {
  if (!Number.isSafeInteger(doubles) || doubles < 0) {
    throw new RangeError(`createWasmKernels: doubles must be a non-negative integer, got ${doubles}`);
  }
  const { arenaStart: start, scratchBytes } = layoutOf(variant);
  const capacityBytes = Math.ceil(doubles / 2) * 16;
  // Past the arena: where moments and layerSums write their sums, read back through `sums`; then the helper's
  // packing scratch when the products may be split.
  const scratch = start + capacityBytes;
  const helperScratch = scratch + SCRATCH_DOUBLES * 8;
  const pages = Math.ceil((helperScratch + (threads ? scratchBytes : 0)) / PAGE_BYTES);
  if (pages > MAX_PAGES) {
    throw new RangeError(`createWasmKernels: ${doubles} doubles exceed the 4 GiB wasm32 address space`);
  }
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  const exports = instantiate(variant, memory);
  const split = threads ? offerSplits(memory, variant, helperScratch, threads, exports.gemmStrided) : null;
  const buffer = memory.buffer;
  const end = start + capacityBytes;
  const sums = new Float64Array(buffer, scratch, SCRATCH_DOUBLES);
  // The per-function exports, looked up once (a name built per call would allocate a string per call).
  const byName = exports as unknown as Record<string, unknown>;
  const pick = <F>(prefix: string, suffixes: Partial<Record<string, string>>) =>
    Object.fromEntries(
      Object.entries(suffixes).map(([name, suffix]) => [name, byName[`${prefix}${suffix}`] as F]),
    );
  type Forward = KernelsExports[`forward${string}`];
  type ForwardSums = (
    z: number,
    a: number,
    len: number,
    slope: number,
    alpha: number,
    lo: number,
    hi: number,
    out: number,
  ) => void;
  type Backward = KernelsExports[`backward${string}`];
  type Unary = KernelsExports[`unary${string}`];
  const forwardOf: Partial<Record<ActivationName, Forward>> = pick<Forward>('forward', ACTIVATION_EXPORT);
  const forwardSumsOf: Partial<Record<ActivationName, ForwardSums>> = pick<ForwardSums>(
    'forwardSums',
    ACTIVATION_EXPORT,
  );
  const backwardOf: Partial<Record<ActivationName, Backward>> = pick<Backward>('backward', ACTIVATION_EXPORT);
  type BackwardSums = (...args: Parameters<Backward>) => number;
  const backwardSumsOf: Partial<Record<ActivationName, BackwardSums>> = pick<BackwardSums>(
    'backwardSums',
    ACTIVATION_EXPORT,
  );
  const unaryOf = pick<Unary>('unary', UNARY_EXPORT) as Record<UnaryName, Unary>;
  /** Copies the first n sums a reduction wrote into into[at …] (no view allocated per call). */
  const readSums = (into: Float64Array, n: number, at = 0) => {
    for (let i = 0; i < n; i++) into[at + i] = sums[i];
  };
  let next = start;

  const f64 = (n: number): Float64Array => {
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new RangeError(`f64: n must be a non-negative integer, got ${n}`);
    }
    const bytes = Math.ceil(n / 2) * 16;
    if (next + bytes > end) {
      throw new RangeError(
        `f64(${n}): wasm arena exhausted, ${(end - next) / 8} of ${capacityBytes / 8} values left ` +
          '(allocations are padded to an even count)',
      );
    }
    const view = new Float64Array(buffer, next, n);
    next += bytes;
    return view;
  };

  /** The byte offset of X, after cheap checks that it lives in this arena and holds `needed` values. */
  const offsetOf = (kernel: string, name: string, X: Float64Array, needed: number): number => {
    if (X.buffer !== buffer) throw new Error(`${kernel}: ${name} is not allocated from this wasm arena`);
    if (X.length < needed) throw new RangeError(`${kernel}: ${name} has ${X.length} values, needs ${needed}`);
    return X.byteOffset;
  };

  return {
    gemmABt(A, B, C, m, n, k) {
      const a = offsetOf('gemmABt', 'A', A, m * k);
      const b = offsetOf('gemmABt', 'B', B, n * k);
      const c = offsetOf('gemmABt', 'C', C, m * n);
      if (split) split(a, k * 8, 8, b, 8, k * 8, c, m, n, k);
      else exports.gemmABt(a, b, c, m, n, k);
    },
    gemmAB(A, B, C, m, n, k) {
      const a = offsetOf('gemmAB', 'A', A, m * k);
      const b = offsetOf('gemmAB', 'B', B, k * n);
      const c = offsetOf('gemmAB', 'C', C, m * n);
      if (split) split(a, k * 8, 8, b, n * 8, 8, c, m, n, k);
      else exports.gemmAB(a, b, c, m, n, k);
    },
    gemmAtB(A, B, C, m, n, k) {
      const a = offsetOf('gemmAtB', 'A', A, k * m);
      const b = offsetOf('gemmAtB', 'B', B, k * n);
      const c = offsetOf('gemmAtB', 'C', C, m * n);
      if (split) split(a, 8, m * 8, b, n * 8, 8, c, m, n, k);
      else exports.gemmAtB(a, b, c, m, n, k);
    },
    activationForward(name, Z, A, len, p) {
      const kernel = kernelOf('activationForward', forwardOf, name);
      const z = offsetOf('activationForward', 'Z', Z, len);
      kernel(z, offsetOf('activationForward', 'A', A, len), len, p.leakySlope, p.eluAlpha);
    },
    activationForwardSums(name, Z, A, len, p, lo, hi, into, at) {
      const kernel = kernelOf('activationForwardSums', forwardSumsOf, name);
      const z = offsetOf('activationForwardSums', 'Z', Z, len);
      const a = offsetOf('activationForwardSums', 'A', A, len);
      kernel(z, a, len, p.leakySlope, p.eluAlpha, lo, hi, scratch);
      readSums(into, 5, at);
    },
    activationBackward(name, Z, A, dA, dZ, len, p) {
      const kernel = kernelOf('activationBackward', backwardOf, name);
      const z = offsetOf('activationBackward', 'Z', Z, len);
      const a = offsetOf('activationBackward', 'A', A, len);
      const da = offsetOf('activationBackward', 'dA', dA, len);
      kernel(z, a, da, offsetOf('activationBackward', 'dZ', dZ, len), len, p.leakySlope, p.eluAlpha);
    },
    activationBackwardSums(name, Z, A, dA, dZ, len, p) {
      const kernel = kernelOf('activationBackwardSums', backwardSumsOf, name);
      const z = offsetOf('activationBackwardSums', 'Z', Z, len);
      const a = offsetOf('activationBackwardSums', 'A', A, len);
      const da = offsetOf('activationBackwardSums', 'dA', dA, len);
      const dz = offsetOf('activationBackwardSums', 'dZ', dZ, len);
      return kernel(z, a, da, dz, len, p.leakySlope, p.eluAlpha);
    },
    broadcastRows(b, Z, rows, cols) {
      const bias = offsetOf('broadcastRows', 'b', b, cols);
      exports.broadcastRows(bias, offsetOf('broadcastRows', 'Z', Z, rows * cols), rows, cols);
    },
    addColumnSums(dZ, db, rows, cols) {
      const dz = offsetOf('addColumnSums', 'dZ', dZ, rows * cols);
      exports.addColumnSums(dz, offsetOf('addColumnSums', 'db', db, cols), rows, cols);
    },
    bceLossSum(Z, Y, len) {
      const z = offsetOf('bceLossSum', 'Z', Z, len);
      return exports.bceLossSum(z, offsetOf('bceLossSum', 'Y', Y, len), len);
    },
    moments(x, into) {
      exports.moments(offsetOf('moments', 'x', x, x.length), x.length, scratch);
      readSums(into, 4);
    },
    layerSums(Z, A, dZ, len, lo, hi, into) {
      const z = offsetOf('layerSums', 'Z', Z, len);
      const a = offsetOf('layerSums', 'A', A, len);
      exports.layerSums(z, a, offsetOf('layerSums', 'dZ', dZ, len), len, lo, hi, scratch);
      readSums(into, 6);
    },
    updateParams(rule, theta, g, m, v, ranges, count, into) {
      const r = offsetOf('updateParams', 'ranges', ranges, 2 * count);
      let end = 0;
      for (let i = 0; i < count; i++) end = Math.max(end, ranges[2 * i] + ranges[2 * i + 1]);
      const w = offsetOf('updateParams', 'theta', theta, end);
      const d = offsetOf('updateParams', 'g', g, end);
      // The moments a rule does not use are empty; their pointers are never read.
      const mp = offsetOf('updateParams', 'm', m, m.length && end);
      const vp = offsetOf('updateParams', 'v', v, v.length && end);
      const p = offsetOf('updateParams', 'p', rule.p, 8);
      const out = into ? offsetOf('updateParams', 'into', into, UPDATE_SUMS * count) : 0;
      exports.updateParams(rule.kind, into ? 1 : 0, w, d, mp, vp, r, count, p, out);
    },
    sumSquares(x, len = x.length) {
      return exports.sumSquares(offsetOf('sumSquares', 'x', x, len), len);
    },
    sumSquaresWide(x, len = x.length) {
      return exports.sumSquaresWide(offsetOf('sumSquaresWide', 'x', x, len), len);
    },
    clampValues(x, c) {
      return exports.clampValues(offsetOf('clampValues', 'x', x, x.length), x.length, c) !== 0;
    },
    scaleValues(x, s) {
      exports.scaleValues(offsetOf('scaleValues', 'x', x, x.length), x.length, s);
    },
    unary(op, x, y, len) {
      unaryOf[op](offsetOf('unary', 'x', x, len), offsetOf('unary', 'y', y, len), len);
    },
    f64,
  };
}

/** The products' splitter, which offers a helper the run's memory when it first needs one (see gemm-split.ts). */
function offerSplits(
  memory: WebAssembly.Memory,
  variant: WasmVariant,
  scratch: number,
  threads: GemmThreads,
  gemm: StridedGemm,
): SplitGemm {
  const control = createSplitControl();
  return createSplitter(control, gemm, threads.minMultiplyAdds, () =>
    threads.offer({ memory, variant, scratch, control }),
  );
}
