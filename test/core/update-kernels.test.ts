// The optimizer updates in WebAssembly SIMD (kernels/updates.ts) against their TypeScript reference
// (update-rules.ts) bit for bit, in both builds, over several steps, on odd and even ranges at odd and even
// offsets, with ±0, subnormals, huge and non-finite gradients; the clipping kernels and the global norm likewise;
// the reference against PyTorch's rules restated value by value; and whole training runs on the JS and the WASM
// paths giving the same bits.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runTraining, type TrainRunSpec } from '../../src/core/index.ts';
import { allocateOptimizer, createOptimizer } from '../../src/core/optimizers.ts';
import { moments } from '../../src/core/reduce.ts';
import { Rng } from '../../src/core/rng.ts';
import type { OptimizerSpec } from '../../src/core/spec.ts';
import { UPDATE_SUMS } from '../../src/core/update-rules.ts';
import { createWasmKernels, jsKernels, type Kernels, type WasmVariant } from '../../src/core/wasm/kernels.ts';
import { KERNELS_WASM_BASE64 } from '../../src/core/wasm/kernels-wasm.ts';

const VARIANTS: WasmVariant[] = ['simd', 'relaxed'];
const OPTIMIZERS: OptimizerSpec[] = [
  { kind: 'sgd', lr: 0.1 },
  { kind: 'momentum', lr: 0.05, beta: 0.9 },
  { kind: 'momentum', lr: 0.05, beta: 0.8, nesterov: true },
  { kind: 'rmsprop', lr: 0.01 },
  { kind: 'adam', lr: 0.001, beta1: 0.85, beta2: 0.995, eps: 1e-7 },
];
const SPECIAL = [0, -0, Number.MIN_VALUE, -1e-310, 1e300, -1e300];

/** String forms keep NaN equal to NaN and −0 apart from 0. */
const exact = (x: ArrayLike<number>) => Array.from(x, (v) => (Object.is(v, -0) ? '-0' : String(v)));

/**
 * An optimizer over a fresh θ and g (copies of the given ones) allocated by `kernels`, with the update's ranges
 * [from, len] and room for their sums, also from `kernels`.
 */
function optimizerOn(kernels: Kernels, spec: OptimizerSpec, theta0: Float64Array, ranges: number[][]) {
  const n = theta0.length;
  const theta = kernels.f64(n);
  const g = kernels.f64(n);
  theta.set(theta0);
  const state = allocateOptimizer(spec, n, kernels.f64);
  const at = kernels.f64(2 * ranges.length);
  at.set(ranges.flat());
  const sums = kernels.f64(UPDATE_SUMS * ranges.length);
  const optimizer = createOptimizer(spec, state, kernels, theta, g);
  /** One step: the rule over the ranges, with their sums (returned) or without (null). */
  const step = (withSums: boolean) => {
    optimizer.beginStep();
    optimizer.apply(at, ranges.length, withSums ? sums : null);
    return withSums ? Float64Array.from(sums) : null;
  };
  return { theta, g, state, step };
}

/** Arena doubles for optimizerOn: θ, g, two moments, the hyper-parameters, ranges and sums, each padded. */
const arenaFor = (n: number, ranges: number) => 4 * (n + 1) + 8 + 8 * (ranges + 1);

describe.each(VARIANTS)('updateParams, %s build', (variant) => {
  it.each(OPTIMIZERS.map((o) => [JSON.stringify(o), o] as const))(
    '%s: θ, moments and sums equal the TypeScript reference bit for bit over 4 steps',
    (_, spec) => {
      const cases: [number, number[][]][] = [
        [1, [[0, 1]]],
        [2, [[0, 2]]],
        [9, [[1, 7]]],
        [
          300,
          [
            [3, 150],
            [153, 0],
            [153, 141],
          ],
        ],
        [1025, [[0, 1025]]],
      ];
      for (const [n, ranges] of cases) {
        const rng = new Rng(n);
        const theta0 = Float64Array.from({ length: n }, () => rng.normal());
        const wasm = optimizerOn(
          createWasmKernels(arenaFor(n, ranges.length), variant),
          spec,
          theta0,
          ranges,
        );
        const js = optimizerOn(jsKernels, spec, theta0, ranges);
        for (let step = 0; step < 4; step++) {
          const g = Float64Array.from({ length: n }, () => rng.normal() * 0.1);
          if (step === 1) g.set(SPECIAL.slice(0, n));
          wasm.g.set(g);
          js.g.set(g);
          // A recorded step goes range by range with sums; the others without.
          const sums = step % 2 === 0;
          const got = wasm.step(sums);
          const want = js.step(sums);
          const label = `${n} values in ${JSON.stringify(ranges)}, step ${step}`;
          expect(exact(wasm.theta), label).toEqual(exact(js.theta));
          expect(exact(wasm.state.m), label).toEqual(exact(js.state.m));
          expect(exact(wasm.state.v), label).toEqual(exact(js.state.v));
          if (got && want) expect(exact(got), label).toEqual(exact(want));
        }
      }
    },
  );

  it('propagates NaN and Infinity like the reference (min and max skip NaN)', () => {
    const g0 = [1, Number.NaN, -3, Infinity, 2];
    const theta0 = Float64Array.from([0.5, -0.5, 1, 2, -0]);
    for (const spec of OPTIMIZERS) {
      const wasm = optimizerOn(createWasmKernels(arenaFor(5, 1), variant), spec, theta0, [[0, 5]]);
      const js = optimizerOn(jsKernels, spec, theta0, [[0, 5]]);
      wasm.g.set(g0);
      js.g.set(g0);
      const got = wasm.step(true) ?? [];
      expect(exact(got)).toEqual(exact(js.step(true) ?? []));
      expect(exact(wasm.theta)).toEqual(exact(js.theta));
      expect(Array.from(got.slice(4))).toEqual([-3, Infinity]);
      expect(got[2]).toBeNaN();
    }
  });
});

describe.each(VARIANTS)('gradient clipping and the global norm, %s build', (variant) => {
  it.each([1, 2, 3, 4, 5, 7, 300, 1027])(
    'sumSquares, clampValues and scaleValues give the references bit for bit on %i values',
    (n) => {
      const rng = new Rng(n + 11);
      const x = Float64Array.from({ length: n }, () => rng.normal());
      x.set([...SPECIAL, Number.NaN, 0.7, -0.7].slice(0, n));
      const wasm = createWasmKernels(2 * n + 8, variant);
      const wx = wasm.f64(n);
      wx.set(x);
      const jx = Float64Array.from(x);
      expect(exact([wasm.sumSquares(wx)])).toEqual(exact([jsKernels.sumSquares(jx)]));
      expect(wasm.clampValues(wx, 0.5)).toBe(jsKernels.clampValues(jx, 0.5));
      expect(exact(wx)).toEqual(exact(jx));
      wasm.scaleValues(wx, 0.3);
      jsKernels.scaleValues(jx, 0.3);
      expect(exact(wx)).toEqual(exact(jx));
      expect(exact([wasm.sumSquares(wx)])).toEqual(exact([jsKernels.sumSquares(jx)]));
    },
  );

  it('clampValues reports whether anything changed and leaves NaN as is', () => {
    const wasm = createWasmKernels(8, variant);
    const x = wasm.f64(3);
    x.set([0.1, Number.NaN, -0.2]);
    expect(wasm.clampValues(x, 0.5)).toBe(false);
    x.set([0.1, Number.NaN, -0.7]);
    expect(wasm.clampValues(x, 0.5)).toBe(true);
    expect(Array.from(x)).toEqual([0.1, Number.NaN, -0.5]);
  });
});

describe('the reference', () => {
  /** PyTorch's rules for one value, restated as torch.optim documents them (the state advanced in place). */
  function torchStep(spec: OptimizerSpec, t: number, g: number, s: { m: number; v: number }): number {
    switch (spec.kind) {
      case 'sgd':
        return -spec.lr * g;
      case 'momentum': {
        const beta = spec.beta ?? 0.9;
        s.m = beta * s.m + g;
        return -spec.lr * (spec.nesterov ? g + beta * s.m : s.m);
      }
      case 'rmsprop': {
        const alpha = spec.alpha ?? 0.99;
        s.m = alpha * s.m + (1 - alpha) * g * g;
        return (-spec.lr * g) / (Math.sqrt(s.m) + (spec.eps ?? 1e-8));
      }
      case 'adam': {
        const [b1, b2] = [spec.beta1 ?? 0.9, spec.beta2 ?? 0.999];
        s.m = b1 * s.m + (1 - b1) * g;
        s.v = b2 * s.v + (1 - b2) * g * g;
        return (-spec.lr * (s.m / (1 - b1 ** t))) / (Math.sqrt(s.v / (1 - b2 ** t)) + (spec.eps ?? 1e-8));
      }
    }
  }

  it.each(OPTIMIZERS.map((o) => [JSON.stringify(o), o] as const))(
    '%s: applies the torch.optim rule value by value, with the sums of a sequential computation',
    (_, spec) => {
      const n = 101;
      const rng = new Rng(7);
      const theta0 = Float64Array.from({ length: n }, () => rng.normal());
      const js = optimizerOn(jsKernels, spec, theta0, [[0, n]]);
      const expected = Array.from(theta0);
      const state = Array.from({ length: n }, () => ({ m: 0, v: 0 }));
      for (let t = 1; t <= 3; t++) {
        const g = Float64Array.from({ length: n }, () => rng.normal());
        js.g.set(g);
        const before = Float64Array.from(js.theta);
        const sums = js.step(true) ?? new Float64Array(UPDATE_SUMS);
        const u = expected.map((_, i) => torchStep(spec, t, g[i], state[i]));
        expected.forEach((w, i) => {
          expected[i] = w + u[i];
        });
        expect(exact(js.theta)).toEqual(exact(expected));
        const gm = new Float64Array(4);
        moments(g, gm);
        expect(exact(sums.subarray(2))).toEqual(exact(gm));
        expect(sums[0]).toBeCloseTo(
          before.reduce((s, w) => s + w * w, 0),
          10,
        );
        expect(sums[1]).toBeCloseTo(
          u.reduce((s, x) => s + x * x, 0),
          12,
        );
      }
    },
  );
});

describe('a training run', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const spec = (optimizer: OptimizerSpec, clip?: { maxNorm?: number; maxValue?: number }): TrainRunSpec => ({
    kind: 'train',
    network: {
      inputSize: 2,
      layers: [
        { units: 7, activation: 'tanh' },
        { units: 5, activation: 'relu' },
        { units: 1, activation: 'sigmoid' },
      ],
      loss: 'binary_cross_entropy',
    },
    init: { weights: { scheme: 'xavier_normal' }, seed: 3 },
    data: { source: 'xor', n: 40, seed: 2 },
    training: { optimizer, steps: 30, batchSize: 16, clip },
    telemetry: { every: 2 },
  });

  /** The run's final θ and every record's layer statistics, on the WASM path or (mocked away) the JS one. */
  function trained(s: TrainRunSpec, path: 'wasm-simd' | 'js') {
    const plain = Buffer.from(KERNELS_WASM_BASE64, 'base64');
    const validate = WebAssembly.validate;
    // Only the plain SIMD build (bit-identical GEMM), or nothing.
    const spy = vi
      .spyOn(WebAssembly, 'validate')
      .mockImplementation(
        (bytes) => path === 'wasm-simd' && Buffer.from(bytes as Uint8Array).equals(plain) && validate(bytes),
      );
    const layers: string[][] = [];
    const outcome = runTraining(s, { onRecord: (r) => layers.push(exact(r.layers)) });
    spy.mockRestore();
    return { theta: exact(outcome.finalTheta), layers };
  }

  it.each(
    [...OPTIMIZERS, { kind: 'adam', lr: 0.01 } as const].map((o, i) => [
      `${JSON.stringify(o)}${i % 2 ? ' with clipping' : ''}`,
      spec(o, i % 2 ? { maxNorm: 0.5, maxValue: 0.2 } : undefined),
    ]),
  )('%s: same seed ⇒ same bits on the JS and the WASM paths, statistics included', (_, s) => {
    const wasm = trained(s, 'wasm-simd');
    const js = trained(s, 'js');
    expect(wasm.layers.length).toBe(16);
    expect(wasm.theta).toEqual(js.theta);
    expect(wasm.layers).toEqual(js.layers);
  });
});
