// A recorded step's sums of Z and A taken in the forward pass (activationForwardSums, network.ts forward with
// `sums`) and of dZ in the backward pass (activationBackwardSums, backward with `deltaSums`) against taking them
// after it (layerSums, sumSquaresWide): the WASM kernels against the TypeScript reference bit for bit for every
// element-wise activation, and a network's layer statistics the same either way.
import { describe, expect, it } from 'vitest';
import {
  activationBackward,
  activationBackwardSums,
  activationForward,
  activationForwardSums,
  saturationBounds,
} from '../../src/core/activations.ts';
import { viewsOf } from '../../src/core/model.ts';
import { backward, createWorkspace, forward } from '../../src/core/network.ts';
import { FORWARD_SUMS, layerSums, sumSquaresWide } from '../../src/core/reduce.ts';
import { Rng } from '../../src/core/rng.ts';
import { prepare } from '../../src/core/setup.ts';
import type { ActivationName } from '../../src/core/spec.ts';
import { FIELD_COUNT, layerStatistics } from '../../src/core/stats.ts';
import { createWasmKernels, jsKernels, type Kernels, type WasmVariant } from '../../src/core/wasm/kernels.ts';

const VARIANTS: WasmVariant[] = ['simd', 'relaxed'];
const ELEMENTWISE: ActivationName[] = ['linear', 'sigmoid', 'tanh', 'relu', 'leaky_relu', 'elu', 'softplus'];
const P = { leakySlope: 0.1, eluAlpha: 0.7 };
const SPECIAL = [0, -0, Number.MIN_VALUE, -1e-310, 1e300, -1e300, Number.NaN, Infinity, -Infinity, 2.5, -0.3];

/** String forms keep NaN equal to NaN and −0 apart from 0. */
const exact = (x: ArrayLike<number>) => Array.from(x, (v) => (Object.is(v, -0) ? '-0' : String(v)));

const boundsOf = (name: ActivationName) => saturationBounds(name) ?? ([-Infinity, Infinity] as const);

describe.each(VARIANTS)('activationForwardSums, %s build', (variant) => {
  it.each(ELEMENTWISE.flatMap((name) => [1, 2, 7, 300, 1025].map((n) => [name, n] as const)))(
    '%s on %i values: A and the sums of the reference, bit for bit, equal to activationForward then layerSums',
    (name, n) => {
      const rng = new Rng(n);
      const Z = Float64Array.from({ length: n }, () => rng.normal() * 3);
      Z.set(SPECIAL.slice(0, n));
      const D = Float64Array.from({ length: n }, () => rng.normal());
      const [lo, hi] = boundsOf(name);
      const wasm = createWasmKernels(3 * n + 8, variant);
      const wz = wasm.f64(n);
      wz.set(Z);
      const wa = wasm.f64(n);
      const got = new Float64Array(2 + FORWARD_SUMS);
      wasm.activationForwardSums(name, wz, wa, n, P, lo, hi, got, 2);
      const A = new Float64Array(n);
      const want = new Float64Array(2 + FORWARD_SUMS);
      activationForwardSums(name, Z, A, n, P, lo, hi, want, 2);
      expect(exact(wa)).toEqual(exact(A));
      expect(exact(got)).toEqual(exact(want));
      // The reference is the forward followed by layerSums' Z and A part.
      const A2 = new Float64Array(n);
      activationForward(name, Z, A2, n, P);
      const all = new Float64Array(6);
      layerSums(Z, A2, D, n, lo, hi, all);
      expect(exact(want.subarray(2))).toEqual(exact(all.subarray(1)));
      // layerStatistics takes a fused step's Σd² by sumSquaresWide, the same as layerSums' first sum.
      expect(exact([sumSquaresWide(D, n)])).toEqual(exact([all[0]]));
      const wd = wasm.f64(n);
      wd.set(D);
      expect(exact([wasm.sumSquaresWide(wd, n)])).toEqual(exact([all[0]]));
    },
  );
});

describe.each(VARIANTS)('activationBackwardSums, %s build', (variant) => {
  // Below, at and above sumSquaresWide's blocks of 16 values, odd and even.
  const sizes = [1, 2, 7, 15, 16, 17, 31, 32, 33, 300, 1025];
  it.each(ELEMENTWISE.flatMap((name) => sizes.map((n) => [name, n] as const)))(
    '%s on %i values: dZ and Σ dZ² of the reference, bit for bit, equal to activationBackward then sumSquaresWide',
    (name, n) => {
      const rng = new Rng(100 + n);
      const Z = Float64Array.from({ length: n }, () => rng.normal() * 3);
      Z.set(SPECIAL.slice(0, n));
      const A = new Float64Array(n);
      activationForward(name, Z, A, n, P);
      const dA = Float64Array.from({ length: n }, () => rng.normal());
      dA.set(SPECIAL.slice().reverse().slice(0, n));
      const wasm = createWasmKernels(4 * n + 8, variant);
      const [wz, wa, wda, wdz] = [Z, A, dA, null].map((x) => {
        const w = wasm.f64(n);
        if (x) w.set(x);
        return w;
      });
      const got = wasm.activationBackwardSums(name, wz, wa, wda, wdz, n, P);
      const dZ = new Float64Array(n);
      const want = activationBackwardSums(name, Z, A, dA, dZ, n, P);
      expect(exact(wdz)).toEqual(exact(dZ));
      expect(exact([got])).toEqual(exact([want]));
      // The reference is the derivative followed by sumSquaresWide.
      const dZ2 = new Float64Array(n);
      activationBackward(name, Z, A, dA, dZ2, n, P);
      expect(exact(dZ)).toEqual(exact(dZ2));
      expect(exact([want])).toEqual(exact([sumSquaresWide(dZ2, n)]));
    },
  );

  it('takes every value of a finite layer into the sum (a check that could tell a dropped tail apart)', () => {
    for (const n of sizes) {
      const wasm = createWasmKernels(4 * n + 8, variant);
      const [z, a, da, dz] = [0, 1, 2, 3].map(() => wasm.f64(n));
      z.fill(1);
      a.fill(1);
      da.fill(2);
      expect(wasm.activationBackwardSums('relu', z, a, da, dz, n, P)).toBe(4 * n);
    }
  });
});

describe('a recorded step', () => {
  const spec = {
    network: {
      inputSize: 2,
      layers: [
        { units: 7, activation: 'tanh' as const },
        { units: 5, activation: 'relu' as const },
        { units: 3, activation: 'sigmoid' as const },
        { units: 1, activation: 'sigmoid' as const },
      ],
      loss: 'binary_cross_entropy' as const,
    },
    init: { weights: { scheme: 'xavier_normal' as const }, seed: 3 },
    data: { source: 'xor' as const, n: 41, seed: 2 },
  };

  /** The layer statistics of one step, its sums taken in forward (fused) or after backward. */
  function statistics(kernels: Kernels, fused: boolean) {
    const p = prepare(spec);
    const { layout } = p.net;
    const net = { ...p.net, kernels };
    const theta = kernels.f64(layout.size);
    theta.set(p.theta);
    const grad = kernels.f64(layout.size);
    const X = kernels.f64(p.train.x.length);
    X.set(p.train.x);
    const Y = kernels.f64(p.trainY.length);
    Y.set(p.trainY);
    const batch = p.train.n;
    const ws = createWorkspace(layout, batch, kernels.f64);
    const sums = fused ? new Float64Array(FORWARD_SUMS * layout.layers.length) : null;
    const deltaSums = fused ? new Float64Array(layout.layers.length) : null;
    const params = viewsOf(layout, theta);
    const grads = viewsOf(layout, grad);
    forward(net, params, X, batch, ws, sums);
    backward(net, params, grads, X, Y, batch, ws, deltaSums);
    const out = new Float64Array(layout.layers.length * FIELD_COUNT);
    layerStatistics(net, grads, ws, batch, out, true, new Float64Array(8), sums, deltaSums);
    return exact(out);
  }

  it.each(['js', ...VARIANTS])(
    'has the same statistics taken in the forward and backward passes or after them (%s kernels)',
    (k) => {
      const kernels = () => (k === 'js' ? jsKernels : createWasmKernels(1 << 14, k as WasmVariant));
      const fused = statistics(kernels(), true);
      expect(fused).toEqual(statistics(kernels(), false));
      expect(fused.filter((v) => v === 'NaN').length).toBeLessThan(fused.length / 2);
    },
  );
});
