// Both WebAssembly builds of the GEMM kernels (plain SIMD, relaxed-SIMD FMA) against the JS kernels of matmul.ts:
// values on edge and random shapes, accumulation, NaN/Inf, feature detection, the arena's errors, threads, and
// that the checked-in modules match their source.
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { compileKernelsWasm, renderKernelsModule } from '../../scripts/build-wasm.ts';
import { Rng } from '../../src/core/rng.ts';
import {
  arenaSize,
  createWasmKernels,
  jsKernels,
  type Kernels,
  preferredWasmVariant,
  type WasmVariant,
  wasmSimdAvailable,
  wasmVariantAvailable,
} from '../../src/core/wasm/kernels.ts';
import { KERNELS_RELAXED_WASM_BASE64, KERNELS_WASM_BASE64 } from '../../src/core/wasm/kernels-wasm.ts';

/** Whether this CPU fuses multiply-adds (x64: the fma flag in /proc/cpuinfo; arm64 always does). */
const CPU_HAS_FMA =
  process.arch === 'arm64' ||
  (process.platform === 'linux' && /^flags\s*:.*\bfma\b/m.test(readFileSync('/proc/cpuinfo', 'utf8')));

type Form = 'gemmABt' | 'gemmAB' | 'gemmAtB';
const FORMS: Form[] = ['gemmABt', 'gemmAB', 'gemmAtB'];
const VARIANTS: WasmVariant[] = ['simd', 'relaxed'];

/** Values of A (m, k) or (k, m) — same count — B and the pre-filled C, from a seeded rng. */
function randomOperands(rng: Rng, m: number, n: number, k: number) {
  const fill = (len: number) => Float64Array.from({ length: len }, () => rng.uniformIn(-1, 1));
  return { A: fill(m * k), B: fill(n * k), C: fill(m * n) };
}

/** Runs `form` with `kernels` on copies of the operands (allocated by `kernels`); returns the new C. */
function run(
  kernels: Kernels,
  form: Form,
  ops: ReturnType<typeof randomOperands>,
  m: number,
  n: number,
  k: number,
) {
  const copy = (src: Float64Array) => {
    const dst = kernels.f64(src.length);
    dst.set(src);
    return dst;
  };
  const C = copy(ops.C);
  kernels[form](copy(ops.A), copy(ops.B), C, m, n, k);
  return Float64Array.from(C);
}

/**
 * Expects wasm ≈ JS within 2(k + 2)·u relative to the size of the terms summed, C₀ + Σ|a||b| (u = 2⁻⁵³): each
 * result carries at most k + 1 roundings of partial sums bounded by that scale, whatever the summation order
 * and whether multiply-adds are fused (plain relative error is unbounded under cancellation). For k = 784,
 * that is 1.7e-13 of the scale.
 */
function expectClose(
  variant: WasmVariant,
  form: Form,
  ops: ReturnType<typeof randomOperands>,
  m: number,
  n: number,
  k: number,
) {
  const wasm = createWasmKernels(2 * (m * k + n * k + m * n) + 8, variant);
  const got = run(wasm, form, ops, m, n, k);
  const want = run(jsKernels, form, ops, m, n, k);
  const scale = Float64Array.from(ops.C, Math.abs);
  jsKernels[form](ops.A.map(Math.abs), ops.B.map(Math.abs), scale, m, n, k);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / scale[i]);
  expect(worst, `${variant} ${form} ${m}×${n}×${k}`).toBeLessThanOrEqual((k + 2) * Number.EPSILON);
}

describe('wasm builds and feature detection', () => {
  afterEach(() => vi.restoreAllMocks());

  it('both compile in Node 24, which has relaxed SIMD, so the FMA build is the default', () => {
    expect(wasmSimdAvailable()).toBe(true);
    expect(wasmVariantAvailable('simd')).toBe(true);
    expect(wasmVariantAvailable('relaxed')).toBe(true);
    expect(preferredWasmVariant()).toBe('relaxed');
    const ops = randomOperands(new Rng(5), 9, 11, 300);
    expect(run(createWasmKernels(20_000), 'gemmABt', ops, 9, 11, 300)).toEqual(
      run(createWasmKernels(20_000, 'relaxed'), 'gemmABt', ops, 9, 11, 300),
    );
  });

  it('fall back to plain SIMD where the runtime rejects relaxed SIMD, and to JS without SIMD', () => {
    const relaxedBytes = Buffer.from(KERNELS_RELAXED_WASM_BASE64, 'base64');
    const validate = WebAssembly.validate;
    const spy = vi
      .spyOn(WebAssembly, 'validate')
      .mockImplementation(
        (bytes) => !Buffer.from(bytes as Uint8Array).equals(relaxedBytes) && validate(bytes),
      );
    expect(preferredWasmVariant()).toBe('simd');
    expect(wasmSimdAvailable()).toBe(true);
    spy.mockReturnValue(false);
    expect(preferredWasmVariant()).toBe(null);
    expect(wasmSimdAvailable()).toBe(false);
  });

  it('differ only in the multiply-add: the relaxed build rounds a·b + c once where the CPU has FMA', () => {
    // (1 + 2⁻³⁰)(1 − 2⁻³⁰) − 1 = −2⁻⁶⁰ exactly; rounding the product first gives 1 − 1 = 0.
    const results = VARIANTS.map((variant) => {
      const wasm = createWasmKernels(16, variant);
      const [A, B, C] = [wasm.f64(1), wasm.f64(1), wasm.f64(1)];
      A[0] = 1 + 2 ** -30;
      B[0] = 1 - 2 ** -30;
      C[0] = -1;
      wasm.gemmABt(A, B, C, 1, 1, 1);
      return C[0];
    });
    // 1×1×1 sums from zero (0 + a·b, exact in both) and then adds C: no fusion is visible there.
    expect(results).toEqual([0, 0]);
    const fused = VARIANTS.map((variant) => {
      const wasm = createWasmKernels(64, variant);
      const [A, B, C] = [wasm.f64(2), wasm.f64(2), wasm.f64(1)];
      A.set([1, 1 + 2 ** -30]);
      B.set([-1, 1 - 2 ** -30]);
      wasm.gemmABt(A, B, C, 1, 1, 2); // partial sum −1, then −1 + a·b
      return C[0];
    });
    // relaxed_madd may fuse or not, as the CPU allows: V8 fuses on x64 with FMA3 (and on arm64).
    expect(fused).toEqual([0, CPU_HAS_FMA ? -(2 ** -60) : 0]);
  });

  it('give the same bits on every call and every instance of one build (runs stay deterministic)', () => {
    const [m, n, k] = [67, 131, 600];
    const ops = randomOperands(new Rng(11), m, n, k);
    for (const variant of VARIANTS) {
      for (const form of FORMS) {
        const first = run(createWasmKernels(2 * (m * k + n * k + m * n), variant), form, ops, m, n, k);
        const again = run(createWasmKernels(2 * (m * k + n * k + m * n), variant), form, ops, m, n, k);
        expect(again, `${variant} ${form}`).toEqual(first);
      }
    }
  });
});

describe.each(VARIANTS)('wasm GEMM kernels, %s build', (variant) => {
  // Tiles are 4×4; blocks are MC = 64 rows, NC = 128 columns, KC = 256 deep (kernels/gemm.ts).
  const edgeShapes: [number, number, number][] = [
    [1, 1, 1],
    [7, 13, 5],
    [4, 4, 4],
    [5, 6, 7],
    [3, 2, 1],
    [1, 9, 300],
    [9, 1, 3],
    [2, 3, 4],
    [64, 128, 256],
    [65, 129, 257],
    [63, 127, 255],
    [130, 260, 520],
    [300, 10, 2],
    [10, 2, 300],
    [128, 512, 784],
  ];
  it.each(edgeShapes)('match the JS kernels on %i×%i×%i, accumulating into C', (m, n, k) => {
    const rng = new Rng(m * 1_000_003 + n * 1009 + k);
    for (const form of FORMS) expectClose(variant, form, randomOperands(rng, m, n, k), m, n, k);
  });

  it('match the JS kernels on 60 random shapes', () => {
    const rng = new Rng(42);
    for (let t = 0; t < 60; t++) {
      // Mostly small, sometimes across a block boundary.
      const size = (limit: number) => 1 + rng.int(rng.uniform() < 0.8 ? 24 : limit);
      const [m, n, k] = [size(140), size(270), size(600)];
      for (const form of FORMS) expectClose(variant, form, randomOperands(rng, m, n, k), m, n, k);
    }
  });

  // Plain SIMD has no FMA, and the summation order per element is the JS one within each k-block of 256,
  // so switching kernels keeps a run's bits in these cases. The relaxed build rounds once per multiply-add.
  it.each([
    ['gemmABt', 67, 130, 600],
    ['gemmAB', 68, 131, 600],
    ['gemmAtB', 67, 131, 256],
  ] as [Form, number, number, number][])('%s vs JS bits on %i×%i×%i', (form, m, n, k) => {
    const ops = randomOperands(new Rng(7), m, n, k);
    const wasm = createWasmKernels(2 * (m * k + n * k + m * n), variant);
    const got = run(wasm, form, ops, m, n, k);
    const want = run(jsKernels, form, ops, m, n, k);
    if (variant === 'simd' || !CPU_HAS_FMA) expect(got).toEqual(want);
    else expect(got.some((x, i) => x !== want[i])).toBe(true);
  });

  it('propagate NaN and Infinity to the same outputs as JS, also in edge tiles', () => {
    const [m, n, k] = [7, 6, 5];
    const ops = randomOperands(new Rng(3), m, n, k);
    ops.A[m * k - 1] = Number.NaN; // last row of A(m, k); last column of Aᵀ for gemmAtB
    ops.B[2] = Number.POSITIVE_INFINITY;
    ops.B[n * k - 1] = Number.NEGATIVE_INFINITY;
    // Finite outputs may differ in the last bit (gemmAB's remainder rows sum in another order).
    const kind = (x: number) => (Number.isFinite(x) ? 'finite' : String(x));
    for (const form of FORMS) {
      const wasm = createWasmKernels(2 * (m * k + n * k + m * n), variant);
      const got = Array.from(run(wasm, form, ops, m, n, k), kind);
      const want = Array.from(run(jsKernels, form, ops, m, n, k), kind);
      expect(want.filter((x) => x !== 'finite').length, form).toBeGreaterThan(0);
      expect(got, form).toEqual(want);
    }
  });

  it('leave C unchanged when m, n or k is 0', () => {
    const wasm = createWasmKernels(64, variant);
    const A = wasm.f64(8);
    const B = wasm.f64(8);
    const C = wasm.f64(8).fill(2);
    A.fill(1);
    B.fill(1);
    for (const form of FORMS) {
      wasm[form](A, B, C, 2, 2, 0);
      wasm[form](A, B, C, 0, 2, 2);
      wasm[form](A, B, C, 2, 0, 2);
    }
    expect([...C]).toEqual(Array(8).fill(2));
  });
});

describe('wasm arena', () => {
  it('hands out zeroed, 16-byte aligned views that stay attached after kernel calls', () => {
    const wasm = createWasmKernels(1000);
    const views = [wasm.f64(3), wasm.f64(5), wasm.f64(1), wasm.f64(0), wasm.f64(4)];
    for (const v of views) {
      expect(v.byteOffset % 16).toBe(0);
      expect(v.every((x) => x === 0)).toBe(true);
    }
    const [A, B, C] = views;
    A.set([1, 2, 3]);
    B.set([4, 5, 6, 7, 8]);
    wasm.gemmAB(A, B, C, 1, 1, 1);
    expect(C[0]).toBe(4);
    expect(views[1].buffer.byteLength).toBeGreaterThan(0);
    expect(views[4].length).toBe(4);
  });

  it('refuses arrays it did not allocate, naming the kernel and the argument', () => {
    const wasm = createWasmKernels(100);
    const other = createWasmKernels(100);
    const [A, B, C] = [wasm.f64(4), wasm.f64(4), wasm.f64(4)];
    expect(() => wasm.gemmABt(new Float64Array(4), B, C, 2, 2, 2)).toThrow(
      'gemmABt: A is not allocated from this wasm arena',
    );
    expect(() => wasm.gemmAB(A, other.f64(4), C, 2, 2, 2)).toThrow(
      'gemmAB: B is not allocated from this wasm arena',
    );
    expect(() => wasm.gemmAtB(A, B, jsKernels.f64(4), 2, 2, 2)).toThrow(
      'gemmAtB: C is not allocated from this wasm arena',
    );
  });

  it('refuses arrays too short for the shape', () => {
    const wasm = createWasmKernels(100);
    const [A, B, C] = [wasm.f64(6), wasm.f64(6), wasm.f64(4)];
    expect(() => wasm.gemmABt(A, B, C, 2, 2, 3)).not.toThrow();
    expect(() => wasm.gemmABt(A, B, C, 2, 3, 3)).toThrow('gemmABt: B has 6 values, needs 9');
    expect(() => wasm.gemmAB(A, B, C, 3, 2, 3)).toThrow('gemmAB: A has 6 values, needs 9');
    expect(() => wasm.gemmAtB(A, B, C, 3, 2, 2)).toThrow('gemmAtB: C has 4 values, needs 6');
  });

  it('throws once its capacity is used up, counting each allocation padded to an even length', () => {
    const wasm = createWasmKernels(10);
    wasm.f64(3); // takes 4
    wasm.f64(6);
    expect(() => wasm.f64(1)).toThrow(
      'f64(1): wasm arena exhausted, 0 of 10 values left (allocations are padded to an even count)',
    );
    // A capacity of 11 holds f64(11), so it rounds up to 12.
    expect(() => createWasmKernels(11).f64(13)).toThrow(
      'f64(13): wasm arena exhausted, 12 of 12 values left',
    );
  });

  it('arenaSize sizes an arena from the allocations it then holds, to the last value', () => {
    const allocateAll = (f64: (n: number) => Float64Array) => [f64(3), f64(6), f64(1), f64(0)];
    expect(arenaSize(allocateAll)).toBe(4 + 6 + 2);
    const wasm = createWasmKernels(arenaSize(allocateAll));
    expect(allocateAll(wasm.f64).map((a) => a.length)).toEqual([3, 6, 1, 0]);
    expect(() => wasm.f64(1)).toThrow('f64(1): wasm arena exhausted, 0 of 12 values left');
  });

  it('validates its sizes', () => {
    expect(() => createWasmKernels(-1)).toThrow(
      'createWasmKernels: doubles must be a non-negative integer, got -1',
    );
    expect(() => createWasmKernels(2 ** 40)).toThrow('exceed the 4 GiB wasm32 address space');
    expect(() => createWasmKernels(4).f64(1.5)).toThrow('f64: n must be a non-negative integer, got 1.5');
  });

  it('gives each instance its own memory', () => {
    const a = createWasmKernels(4);
    const b = createWasmKernels(4);
    expect(a.f64(4).buffer).not.toBe(b.f64(4).buffer);
  });

  it('works in a worker thread', async () => {
    const kernels = new URL('../../src/core/wasm/kernels.ts', import.meta.url).href;
    // An eval worker is CommonJS: register tsx, then import the TS module dynamically.
    const code = `
      const { parentPort } = require('node:worker_threads');
      (async () => {
        (await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})).register();
        const { createWasmKernels } = await import(${JSON.stringify(kernels)});
        const wasm = createWasmKernels(12);
        const [A, B, C] = [wasm.f64(4), wasm.f64(4), wasm.f64(4)];
        A.set([1, 2, 3, 4]);
        B.set([0, 1, 1, 0]);
        wasm.gemmAB(A, B, C, 2, 2, 2);
        parentPort.postMessage(Array.from(C));
      })().catch((e) => parentPort.postMessage(String(e)));`;
    const worker = new Worker(code, { eval: true });
    try {
      const reply = await new Promise((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      expect(reply).toEqual([2, 1, 4, 3]);
    } finally {
      await worker.terminate();
    }
  });
});

describe('jsKernels', () => {
  it('allocate plain zeroed Float64Arrays', () => {
    const v = jsKernels.f64(3);
    expect(v).toBeInstanceOf(Float64Array);
    expect([...v]).toEqual([0, 0, 0]);
  });
});

describe('src/core/wasm/kernels-wasm.ts', () => {
  it('is in sync with kernels/gemm.ts and kernels/elementwise.ts (rebuild: node --import tsx scripts/build-wasm.ts)', async () => {
    const fresh = { simd: await compileKernelsWasm('simd'), relaxed: await compileKernelsWasm('relaxed') };
    const stale = 'kernels-wasm.ts is stale: run scripts/build-wasm.ts';
    expect(Buffer.from(fresh.simd).toString('base64'), stale).toBe(KERNELS_WASM_BASE64);
    expect(Buffer.from(fresh.relaxed).toString('base64'), stale).toBe(KERNELS_RELAXED_WASM_BASE64);
    const checkedIn = readFileSync(new URL('../../src/core/wasm/kernels-wasm.ts', import.meta.url), 'utf8');
    expect(renderKernelsModule(fresh)).toBe(checkedIn);
  });
});
