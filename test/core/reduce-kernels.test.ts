// The loss and statistics reductions in WebAssembly SIMD (kernels/elementwise.ts: bceLossSum, moments, layerSums)
// against their TypeScript references (losses.ts, reduce.ts) bit for bit, in both builds, on odd and even lengths
// with ±0, subnormals, huge and non-finite values; and the references against a plain sequential computation.
import { describe, expect, it } from 'vitest';
import { bceLossSum } from '../../src/core/losses.ts';
import { layerSums, moments, sumSquaresWide } from '../../src/core/reduce.ts';
import { Rng } from '../../src/core/rng.ts';
import { createWasmKernels, type Kernels, type WasmVariant } from '../../src/core/wasm/kernels.ts';

const VARIANTS: WasmVariant[] = ['simd', 'relaxed'];
const SPECIAL = [0, -0, Number.MIN_VALUE, -1e-310, 1e300, -1e300, 0.99, -0.995, 0.005];

function values(rng: Rng, n: number, withSpecial: boolean): Float64Array {
  const x = Float64Array.from({ length: n }, () => rng.normal() * 3);
  if (withSpecial) x.set(SPECIAL.slice(0, n));
  return x;
}

/** Copies of `xs` in the kernels' arena. */
const inArena = (wasm: Kernels, ...xs: Float64Array[]) =>
  xs.map((x) => {
    const v = wasm.f64(x.length);
    v.set(x);
    return v;
  });

/** String forms keep NaN equal to NaN and −0 apart from 0. */
const exact = (x: ArrayLike<number>) => Array.from(x, (v) => (Object.is(v, -0) ? '-0' : String(v)));

describe.each(VARIANTS)('reductions, %s build', (variant) => {
  it.each([1, 2, 7, 300, 16_385])('give the TypeScript references bit for bit on %i values', (n) => {
    const rng = new Rng(n);
    const Z = values(rng, n, true);
    const A = values(rng, n, false).map(Math.tanh);
    const D = values(rng, n, true);
    const Y = Float64Array.from({ length: n }, () => (rng.uniform() < 0.5 ? 0 : 1));
    const wasm = createWasmKernels(4 * n + 8, variant);
    const place = (x: Float64Array) => {
      const v = wasm.f64(x.length);
      v.set(x);
      return v;
    };
    const [wz, wa, wd, wy] = [place(Z), place(A), place(D), place(Y)];
    expect(exact([wasm.bceLossSum(wz, wy, n)])).toEqual(exact([bceLossSum(Z, Y, n)]));
    const [got, want] = [new Float64Array(6), new Float64Array(6)];
    wasm.moments(wd, got);
    moments(D, want);
    expect(exact(got)).toEqual(exact(want));
    wasm.layerSums(wz, wa, wd, n, -0.99, 0.99, got);
    layerSums(Z, A, D, n, -0.99, 0.99, want);
    expect(exact(got)).toEqual(exact(want));
  });

  it.each([1, 300, 301])(
    'give the reference bit for bit with bounds of ±Infinity (no count), non-finite values included, on %i values',
    (n) => {
      const rng = new Rng(n + 11);
      const Z = values(rng, n, true);
      const A = values(rng, n, true).map((v, i) =>
        i % 7 === 3 ? [Number.NaN, Infinity, -Infinity][i % 3] : v,
      );
      const D = values(rng, n, false);
      const wasm = createWasmKernels(3 * n + 8, variant);
      const [wz, wa, wd] = inArena(wasm, Z, A, D);
      const [got, want] = [new Float64Array(6), new Float64Array(6)];
      wasm.layerSums(wz, wa, wd, n, -Infinity, Infinity, got);
      layerSums(Z, A, D, n, -Infinity, Infinity, want);
      expect(exact(got)).toEqual(exact(want));
      expect(got[5]).toBe(0);
    },
  );

  it.each([1, 15, 16, 17, 31, 300, 16_385])(
    'sumSquaresWide gives the reference bit for bit on %i values',
    (n) => {
      const rng = new Rng(n + 3);
      const D = values(rng, n, true);
      const wasm = createWasmKernels(n + 8, variant);
      const wd = wasm.f64(n);
      wd.set(D);
      expect(exact([wasm.sumSquaresWide(wd, n)])).toEqual(exact([sumSquaresWide(D, n)]));
      // A shorter length reads only its prefix.
      expect(exact([wasm.sumSquaresWide(wd, n - 1)])).toEqual(exact([sumSquaresWide(D, n - 1)]));
    },
  );

  it.each([
    [-0.99, 0.99],
    [0.01, 0.99],
  ])(
    'count a outside [%d, %d] like the reference with NaN, ±Infinity, ±0 and the bounds themselves',
    (lo, hi) => {
      const n = 203;
      const rng = new Rng(17);
      const special = [Number.NaN, Infinity, -Infinity, 0, -0, lo, hi, -lo, -hi, Math.abs(lo), -Math.abs(hi)];
      const A = Float64Array.from({ length: n }, (_, i) => special[i % special.length] ?? rng.normal());
      for (let i = special.length; i < n; i += 3) A[i] = rng.normal();
      const Z = values(rng, n, false);
      const D = values(rng, n, false);
      const wasm = createWasmKernels(3 * n + 8, variant);
      const [wz, wa, wd] = inArena(wasm, Z, A, D);
      const [got, want] = [new Float64Array(6), new Float64Array(6)];
      wasm.layerSums(wz, wa, wd, n, lo, hi, got);
      layerSums(Z, A, D, n, lo, hi, want);
      expect(got[5]).toBe(want[5]);
      expect(want[5]).toBe(A.filter((a) => a < lo || a > hi).length);
    },
  );

  it('propagate NaN and Infinity like the references (moments skip NaN in min and max)', () => {
    const x = Float64Array.from([1, Number.NaN, -3, Infinity, 2]);
    const wasm = createWasmKernels(16, variant);
    const wx = wasm.f64(5);
    wx.set(x);
    const [got, want] = [new Float64Array(4), new Float64Array(4)];
    wasm.moments(wx, got);
    moments(x, want);
    expect(exact(got)).toEqual(exact(want));
    expect(Array.from(got.subarray(2))).toEqual([-3, Infinity]);
    expect(got[0]).toBeNaN();
  });
});

describe('the references', () => {
  it('sumSquaresWide adds sixteen sets x[16k + j], the tail into set 0, then the sets in order', () => {
    const rng = new Rng(9);
    for (const n of [0, 5, 16, 37, 1000]) {
      const x = values(rng, n, false);
      const sets = new Array<number>(16).fill(0);
      const full = n - (n % 16);
      for (let i = 0; i < full; i++) sets[i % 16] += x[i] * x[i];
      for (let i = full; i < n; i++) sets[0] += x[i] * x[i];
      expect(sumSquaresWide(x)).toBe(sets.reduce((s, v) => s + v, 0));
    }
  });

  it('agree with a sequential computation within rounding (and exactly for min, max and counts)', () => {
    const rng = new Rng(5);
    const n = 1001;
    const Z = values(rng, n, false);
    const A = Z.map(Math.tanh);
    const D = values(rng, n, false);
    const into = new Float64Array(6);
    moments(D, into);
    const seq = D.reduce((s, v) => s + v, 0);
    expect(into[0]).toBeCloseTo(seq, 10);
    expect(into[1]).toBeCloseTo(
      D.reduce((s, v) => s + v * v, 0),
      10,
    );
    expect(into[2]).toBe(Math.min(...D));
    expect(into[3]).toBe(Math.max(...D));
    layerSums(Z, A, D, n, -0.5, 0.5, into);
    expect(into[0]).toBe(sumSquaresWide(D));
    expect(into[5]).toBe(A.filter((a) => a < -0.5 || a > 0.5).length);
    expect(into[3]).toBeCloseTo(
      A.reduce((s, v) => s + v, 0),
      10,
    );
    const Y = Float64Array.from({ length: n }, (_, i) => i % 2);
    const bce = Z.reduce((s, z, i) => s + Math.max(z, 0) - z * Y[i] + Math.log1p(Math.exp(-Math.abs(z))), 0);
    expect(bceLossSum(Z, Y, n)).toBeCloseTo(bce, 9);
  });
});
