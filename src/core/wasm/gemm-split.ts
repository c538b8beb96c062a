// Two threads for one matrix product over the kernels' shared wasm memory: the run's thread hands a block of C's
// rows or columns to a helper thread and computes the rest itself. Each element of C is computed by one thread,
// by the same kernel with the product's own strides, so it gets the same k-blocks in the same order: the bits
// equal the one-thread product's by construction. The helper is lent by whoever runs the job (src/jobs/pool.ts):
// it attaches when idle and leaves when asked, at the next product boundary. Pure host glue: Atomics only.

/** Slots of a split's control words (an Int32Array over a SharedArrayBuffer, made by createSplitControl). */
const STATE = 0;
/** Set by the lender: the helper leaves at its next look (never in the middle of a product). */
const RELEASE = 1;
/** Bumped on every change the helper must see (work posted, release asked): it waits on this word. */
const EPOCH = 2;
/** Products split so far (for benchmarks and tests: did the helper take part?). */
const SPLITS = 3;
/** The strided product's 11 arguments (gemmStrided's, byte offsets and strides as unsigned 32-bit words). */
const ARGS = 4;
const SLOTS = ARGS + 11;

/**
 * STATE values. NONE: no helper yet; IDLE: a helper waits for work; WORK: a part posted; TAKEN: the helper is
 * computing it; DONE: the helper's part is in C.
 */
const NONE = 0;
const IDLE = 1;
const WORK = 2;
const DONE = 3;
const TAKEN = 6;
/** The helper left (released); a new one may attach. */
const GONE = 4;
/** The helper's thread died during a product: the run cannot know which of its elements were written. */
const FAILED = 5;

/** What a helper thread needs to work on a run's kernels: sent once by the run's thread, when its memory exists. */
export interface HelperOffer {
  /** The run's kernels' memory (shared: it can be posted to another thread). */
  memory: WebAssembly.Memory;
  /** Which build of kernels/ the run instantiated (the helper must compute with the same one). */
  variant: 'simd' | 'relaxed';
  /** Byte offset of the helper's own packing scratch (scratchBytes long) in that memory. */
  scratch: number;
  /** The split's control words (createSplitControl). */
  control: Int32Array;
}

/** The capability a run is given to use a second thread; createWasmKernels splits products through it. */
export interface GemmThreads {
  /**
   * Receives what a helper needs, once, at the run's first product of at least minMultiplyAdds (never for a run
   * without one); the receiver lends helpers (or never does: products stay whole).
   */
  offer(helper: HelperOffer): void;
  /** Products with fewer multiply-adds (m·n·k) than this stay on one thread (the hand-over costs ~10–50 µs). */
  minMultiplyAdds: number;
}

/** A product's operands: op(A)'s element (i, p) at a + i·aRow + p·aDepth, op(B)'s (p, j) at b + p·bDepth + j·bCol. */
type Operands = [a: number, aRow: number, aDepth: number, b: number, bDepth: number, bCol: number, c: number];

/** The gemmStrided export of kernels/gemm.ts: C(m, n) += op(A)·op(B), C's rows ldc bytes apart. */
export type StridedGemm = (...args: [...Operands, ldc: number, m: number, n: number, k: number]) => void;

export function createSplitControl(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(SLOTS * 4));
}

/**
 * The run's side: C(m, n) += op(A)·op(B) (strides in bytes, as gemmStrided's; C's row is n values). When a
 * helper is attached and idle and the product has at least `minMultiplyAdds` multiply-adds, the helper takes the
 * second half of C's columns (n ≥ m) or rows, split on a multiple of 4 (the kernel's tile); otherwise the run's
 * thread computes it all. Throws if the helper's thread died during the product.
 */
export type SplitGemm = (...args: [...Operands, m: number, n: number, k: number]) => void;

export function createSplitter(
  control: Int32Array,
  gemm: StridedGemm,
  minMultiplyAdds: number,
  offer: () => void,
): SplitGemm {
  const args = new Uint32Array(control.buffer, ARGS * 4, 11);
  let offered = false;
  return (a, aRow, aDepth, b, bDepth, bCol, c, m, n, k) => {
    const ldc = n * 8;
    const large = m * n * k >= minMultiplyAdds && (m >= 8 || n >= 8);
    // A run asks for a helper at its first product worth splitting (that one runs alone): runs without any
    // never hold a second worker.
    if (large && !offered) {
      offered = true;
      offer();
    }
    if (!large || Atomics.load(control, STATE) !== IDLE || Atomics.load(control, RELEASE) !== 0) {
      gemm(a, aRow, aDepth, b, bDepth, bCol, c, ldc, m, n, k);
      return;
    }
    const byColumns = n >= m;
    const half = splitPoint(byColumns ? n : m);
    if (byColumns) {
      setArgs(args, a, aRow, aDepth, b + half * bCol, bDepth, bCol, c + half * 8, ldc, m, n - half, k);
    } else {
      setArgs(args, a + half * aRow, aRow, aDepth, b, bDepth, bCol, c + half * ldc, ldc, m - half, n, k);
    }
    // The helper may be leaving right now (IDLE → GONE): whoever swaps first wins.
    if (Atomics.compareExchange(control, STATE, IDLE, WORK) !== IDLE) {
      gemm(a, aRow, aDepth, b, bDepth, bCol, c, ldc, m, n, k);
      return;
    }
    Atomics.add(control, SPLITS, 1);
    wake(control);
    if (byColumns) gemm(a, aRow, aDepth, b, bDepth, bCol, c, ldc, m, half, k);
    else gemm(a, aRow, aDepth, b, bDepth, bCol, c, ldc, half, n, k);
    // A helper that has not taken its part yet (descheduled on a loaded machine, or leaving) loses it: the run's
    // thread computes it too rather than wait; one that is computing it is waited for.
    let state = Atomics.compareExchange(control, STATE, WORK, IDLE);
    while (state === TAKEN) {
      Atomics.wait(control, STATE, TAKEN);
      state = Atomics.load(control, STATE);
    }
    if (state === FAILED) throw new Error('gemm split: the helper thread died during a matrix product');
    if (state === DONE) {
      Atomics.compareExchange(control, STATE, DONE, IDLE);
      return;
    }
    if (byColumns) gemm(a, aRow, aDepth, b + half * bCol, bDepth, bCol, c + half * 8, ldc, m, n - half, k);
    else gemm(a + half * aRow, aRow, aDepth, b, bDepth, bCol, c + half * ldc, ldc, m - half, n, k);
  };
}

/** About half of `size`, on a multiple of 4 so that neither part gains an edge tile the whole would not have. */
function splitPoint(size: number): number {
  return Math.max(4, Math.round(size / 8) * 4);
}

// biome-ignore format: one line per operand, as gemmStrided lists them
function setArgs(
  args: Uint32Array,
  a: number, aRow: number, aDepth: number,
  b: number, bDepth: number, bCol: number,
  c: number, ldc: number, m: number, n: number, k: number,
): void {
  args[0] = a; args[1] = aRow; args[2] = aDepth;
  args[3] = b; args[4] = bDepth; args[5] = bCol;
  args[6] = c; args[7] = ldc; args[8] = m; args[9] = n; args[10] = k;
}

function wake(control: Int32Array): void {
  Atomics.add(control, EPOCH, 1);
  Atomics.notify(control, EPOCH);
}

/**
 * The helper's side: attaches to the run, computes the parts it is handed with `gemm` (an instance of the same
 * build on the run's memory, packing in its own scratch) until released, then returns. Blocks its thread.
 */
export function serveSplits(control: Int32Array, gemm: StridedGemm): void {
  const attached = Atomics.load(control, STATE);
  if (attached !== NONE && attached !== GONE) throw new Error(`serveSplits: another helper is attached`);
  if (Atomics.compareExchange(control, STATE, attached, IDLE) !== attached) return;
  const args = new Uint32Array(control.buffer, ARGS * 4, 11);
  for (;;) {
    const epoch = Atomics.load(control, EPOCH);
    const state = Atomics.load(control, STATE);
    if (Atomics.load(control, RELEASE) !== 0) {
      // A part posted and not taken yet goes back to the run's thread (it computes it when it sees GONE).
      if (Atomics.compareExchange(control, STATE, state, GONE) === state) return;
      continue;
    }
    if (state === WORK && Atomics.compareExchange(control, STATE, WORK, TAKEN) === WORK) {
      gemm(
        args[0],
        args[1],
        args[2],
        args[3],
        args[4],
        args[5],
        args[6],
        args[7],
        args[8],
        args[9],
        args[10],
      );
      Atomics.store(control, STATE, DONE);
      Atomics.notify(control, STATE);
      continue;
    }
    Atomics.wait(control, EPOCH, epoch);
  }
}

/** The lender's side: asks the helper to leave at its next look (it finishes a part it is computing). */
export function releaseHelper(control: Int32Array): void {
  Atomics.store(control, RELEASE, 1);
  wake(control);
}

/** The lender's side, before lending a new helper to the same run (the previous one has returned). */
export function allowHelper(control: Int32Array): void {
  Atomics.store(control, RELEASE, 0);
}

/**
 * The lender's side, when the helper's thread died: a product it was computing fails the run (its part of C is
 * unknown); otherwise the run just goes on alone.
 */
export function abandonHelper(control: Int32Array): void {
  if (Atomics.compareExchange(control, STATE, TAKEN, FAILED) === TAKEN) {
    Atomics.notify(control, STATE);
    return;
  }
  for (const state of [IDLE, WORK, DONE]) Atomics.compareExchange(control, STATE, state, GONE);
}

/** Whether a helper is attached and not asked to leave. */
export function helperAttached(control: Int32Array): boolean {
  const state = Atomics.load(control, STATE);
  return (
    (state === IDLE || state === WORK || state === TAKEN || state === DONE) &&
    Atomics.load(control, RELEASE) === 0
  );
}

/** How many products the run has split with a helper. */
export function splitCount(control: Int32Array): number {
  return Atomics.load(control, SPLITS);
}
