// Initializers: empirical statistics against each convention's formula, orthogonality, exact schemes, errors, seeds.
import { describe, expect, it } from 'vitest';
import {
  fillWeights,
  initializeParameters,
  isDataDriven,
  recommendedGain,
  TRUNCATED_NORMAL_STD,
} from '../../src/core/initializers.ts';
import { type LayerShape, layoutOf, viewsOf } from '../../src/core/model.ts';
import { Rng } from '../../src/core/rng.ts';
import type { InitScheme, InitSpec, NetworkSpec } from '../../src/core/spec.ts';

function shape(fanIn: number, fanOut: number, index = 0): LayerShape {
  return { index, fanIn, fanOut, activation: 'relu', hasBias: true, wOffset: 0, bOffset: fanIn * fanOut };
}

function draw(s: LayerShape, scheme: InitScheme, seed = 1): Float64Array {
  const W = new Float64Array(s.fanIn * s.fanOut);
  fillWeights(s, scheme, new Rng(seed), W);
  return W;
}

function stats(W: Float64Array): { mean: number; std: number; maxAbs: number } {
  let sum = 0;
  let maxAbs = 0;
  for (const w of W) {
    sum += w;
    maxAbs = Math.max(maxAbs, Math.abs(w));
  }
  const mean = sum / W.length;
  let ss = 0;
  for (const w of W) ss += (w - mean) ** 2;
  return { mean, std: Math.sqrt(ss / W.length), maxAbs };
}

// A (fanOut 500, fanIn 2000) layer: one million values, and fan_in ≠ fan_out ≠ fan_avg.
const BIG = shape(2000, 500);
const AVG = (2000 + 500) / 2;

describe('normal-type schemes: empirical std matches the formula', () => {
  const cases: [string, InitScheme, number][] = [
    ['normal', { scheme: 'normal', std: 0.3 }, 0.3],
    ['xavier_normal', { scheme: 'xavier_normal' }, Math.sqrt(2 / 2500)],
    ['he_normal fan_in', { scheme: 'he_normal' }, Math.sqrt(2 / 2000)],
    ['he_normal fan_out', { scheme: 'he_normal', mode: 'fan_out' }, Math.sqrt(2 / 500)],
    ['lecun_normal (truncated, Keras)', { scheme: 'lecun_normal' }, Math.sqrt(1 / 2000)],
    ['truncated_normal (raw, Keras)', { scheme: 'truncated_normal', std: 2 }, 2 * TRUNCATED_NORMAL_STD],
  ];
  for (const mode of ['fan_in', 'fan_out', 'fan_avg'] as const) {
    const n = mode === 'fan_in' ? 2000 : mode === 'fan_out' ? 500 : AVG;
    for (const distribution of ['normal', 'truncated_normal'] as const) {
      cases.push([
        `variance_scaling ${mode} ${distribution}`,
        { scheme: 'variance_scaling', scale: 2, mode, distribution },
        Math.sqrt(2 / n),
      ]);
    }
  }
  it.each(cases)('%s', (_, scheme, expected) => {
    const { mean, std } = stats(draw(BIG, scheme));
    expect(Math.abs(std / expected - 1)).toBeLessThan(0.02);
    expect(Math.abs(mean)).toBeLessThan(0.01 * expected);
  });

  it('variance_scaling defaults to Keras: scale 1, fan_in, truncated_normal', () => {
    const s = shape(300, 200);
    expect(draw(s, { scheme: 'variance_scaling' })).toEqual(draw(s, { scheme: 'lecun_normal' }));
  });

  it('normal honours its mean', () => {
    expect(stats(draw(BIG, { scheme: 'normal', mean: 5, std: 0.1 })).mean).toBeCloseTo(5, 3);
  });
});

describe('truncated normals never go beyond 2σ of their pre-correction std', () => {
  it('raw truncated_normal: within mean ± 2·std, and reaching near it', () => {
    const W = draw(BIG, { scheme: 'truncated_normal', mean: 1, std: 0.5 });
    const { mean } = stats(W);
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const w of W) [lo, hi] = [Math.min(lo, w), Math.max(hi, w)];
    expect(mean).toBeCloseTo(1, 2);
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThanOrEqual(2);
    expect(lo).toBeLessThan(0.01);
    expect(hi).toBeGreaterThan(1.99);
  });

  it.each(['fan_in', 'fan_out', 'fan_avg'] as const)(
    'variance_scaling %s: |w| ≤ 2·√(scale/n)/0.8796',
    (mode) => {
      const n = mode === 'fan_in' ? 2000 : mode === 'fan_out' ? 500 : AVG;
      const cut = (2 * Math.sqrt(3 / n)) / TRUNCATED_NORMAL_STD;
      const { maxAbs } = stats(draw(BIG, { scheme: 'variance_scaling', scale: 3, mode }));
      expect(maxAbs).toBeLessThanOrEqual(cut);
      expect(maxAbs).toBeGreaterThan(0.995 * cut);
    },
  );
});

describe('uniform-type schemes: bounds respected and std = limit/√3', () => {
  const cases: [string, InitScheme, number][] = [
    ['xavier_uniform', { scheme: 'xavier_uniform' }, Math.sqrt(6 / 2500)],
    ['he_uniform fan_in', { scheme: 'he_uniform' }, Math.sqrt(3) * Math.sqrt(2 / 2000)],
    ['he_uniform fan_out', { scheme: 'he_uniform', mode: 'fan_out' }, Math.sqrt(3) * Math.sqrt(2 / 500)],
    ['lecun_uniform', { scheme: 'lecun_uniform' }, Math.sqrt(3 / 2000)],
    ['uniform(-0.7, 0.7)', { scheme: 'uniform', low: -0.7, high: 0.7 }, 0.7],
  ];
  for (const [mode, n] of [
    ['fan_in', 2000],
    ['fan_out', 500],
    ['fan_avg', AVG],
  ] as const) {
    const scheme: InitScheme = { scheme: 'variance_scaling', scale: 2, mode, distribution: 'uniform' };
    cases.push([`variance_scaling ${mode}`, scheme, Math.sqrt(6 / n)]);
  }
  it.each(cases)('%s', (_, scheme, limit) => {
    const { std, maxAbs } = stats(draw(BIG, scheme));
    expect(maxAbs).toBeLessThanOrEqual(limit);
    expect(maxAbs).toBeGreaterThan(0.999 * limit);
    expect(Math.abs(std / (limit / Math.sqrt(3)) - 1)).toBeLessThan(0.02);
  });

  it('uniform(low, high) stays in [low, high)', () => {
    const W = draw(shape(100, 100), { scheme: 'uniform', low: 2, high: 3 });
    expect(W.every((w) => w >= 2 && w < 3)).toBe(true);
  });
});

describe('orthogonal (PyTorch orthogonal_)', () => {
  /** max |M·Mᵀ − I| over the rows (rows = true) or |Mᵀ·M − I| over the columns of M (r, c). */
  function orthogonalityError(M: Float64Array, r: number, c: number, rows: boolean, scale = 1): number {
    const [count, len] = rows ? [r, c] : [c, r];
    const at = (k: number, i: number) => (rows ? M[k * c + i] : M[i * c + k]);
    let worst = 0;
    for (let p = 0; p < count; p++) {
      for (let q = p; q < count; q++) {
        let dot = 0;
        for (let i = 0; i < len; i++) dot += at(p, i) * at(q, i);
        worst = Math.max(worst, Math.abs(dot - (p === q ? scale : 0)));
      }
    }
    return worst;
  }

  it.each([
    ['square', 120, 120, true],
    ['square', 120, 120, false],
    ['wide (fanOut < fanIn): W·Wᵀ = I', 60, 150, true],
    ['tall (fanOut > fanIn): Wᵀ·W = I', 150, 60, false],
  ] as const)('%s', (_, fanOut, fanIn, rows) => {
    const W = draw(shape(fanIn, fanOut), { scheme: 'orthogonal' });
    expect(orthogonalityError(W, fanOut, fanIn, rows)).toBeLessThan(1e-10);
  });

  it('is the Q of the row-major normal draw with diag(R) > 0 (PyTorch sign convention)', () => {
    for (const [fanOut, fanIn] of [
      [40, 25],
      [25, 40],
    ]) {
      const W = draw(shape(fanIn, fanOut), { scheme: 'orthogonal' }, 9);
      const rng = new Rng(9);
      const G = Float64Array.from({ length: fanOut * fanIn }, () => rng.normal());
      // R = Qᵀ·A: with A = G, Q = W (tall) it is Wᵀ·G; with A = Gᵀ, Q = Wᵀ (wide) it is W·Gᵀ. Both are (n, n).
      const n = Math.min(fanOut, fanIn);
      const R = (i: number, j: number) => {
        let s = 0;
        if (fanOut >= fanIn) for (let k = 0; k < fanOut; k++) s += W[k * fanIn + i] * G[k * fanIn + j];
        else for (let k = 0; k < fanIn; k++) s += W[i * fanIn + k] * G[j * fanIn + k];
        return s;
      };
      for (let i = 0; i < n; i++) {
        expect(R(i, i)).toBeGreaterThan(0);
        for (let j = 0; j < i; j++) expect(Math.abs(R(i, j))).toBeLessThan(1e-10);
      }
    }
  });

  it('gain scales it: W·Wᵀ = gain²·I', () => {
    const W = draw(shape(80, 50), { scheme: 'orthogonal', gain: 2 });
    expect(orthogonalityError(W, 50, 80, true, 4)).toBeLessThan(1e-10);
  });

  it('lsuv fills the orthogonal start with the same bits; it alone is data-driven', () => {
    expect(draw(shape(30, 20), { scheme: 'lsuv' })).toEqual(draw(shape(30, 20), { scheme: 'orthogonal' }));
    expect(isDataDriven({ scheme: 'lsuv' })).toBe(true);
    expect(isDataDriven('lsuv')).toBe(true);
    expect(isDataDriven({ scheme: 'orthogonal' })).toBe(false);
  });
});

describe('exact schemes', () => {
  it('identity puts the scale on the main diagonal, square or not (eye_)', () => {
    expect([...draw(shape(3, 3), { scheme: 'identity', scale: 1.5 })]).toEqual([
      1.5, 0, 0, 0, 1.5, 0, 0, 0, 1.5,
    ]);
    expect([...draw(shape(3, 2), { scheme: 'identity' })]).toEqual([1, 0, 0, 0, 1, 0]);
    expect([...draw(shape(2, 3), { scheme: 'identity' })]).toEqual([1, 0, 0, 1, 0, 0]);
  });

  it('matrix copies (fanOut, fanIn) row-major; zeros and constant fill', () => {
    const values = [
      [1, 2, 3],
      [4, 5, 6],
    ];
    expect([...draw(shape(3, 2), { scheme: 'matrix', values })]).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...draw(shape(2, 2), { scheme: 'constant', value: -0.25 })]).toEqual([
      -0.25, -0.25, -0.25, -0.25,
    ]);
    expect(draw(shape(2, 2), { scheme: 'zeros' }).every((w) => w === 0)).toBe(true);
  });

  it('gain multiplies the final values of every scheme', () => {
    expect([...draw(shape(2, 2), { scheme: 'identity', scale: 2, gain: 3 })]).toEqual([6, 0, 0, 6]);
    expect([...draw(shape(2, 1), { scheme: 'matrix', values: [[1, -2]], gain: 0.5 })]).toEqual([0.5, -1]);
    for (const scheme of [
      { scheme: 'he_normal' },
      { scheme: 'xavier_uniform' },
      { scheme: 'lecun_normal' },
    ] as const) {
      const base = draw(shape(40, 30), scheme);
      expect(draw(shape(40, 30), { ...scheme, gain: 5 / 3 })).toEqual(base.map((w) => (5 / 3) * w));
    }
    const { std } = stats(draw(BIG, { scheme: 'xavier_normal', gain: 5 / 3 }));
    expect(Math.abs(std / ((5 / 3) * Math.sqrt(2 / 2500)) - 1)).toBeLessThan(0.02);
  });
});

const NET: NetworkSpec = {
  inputSize: 4,
  layers: [
    { units: 3, activation: 'relu' },
    { units: 3, activation: 'relu', bias: false },
    { units: 2, activation: 'sigmoid' },
  ],
  loss: 'binary_cross_entropy',
};

function init(spec: InitSpec, seed = 7): Float64Array {
  const layout = layoutOf(NET);
  const params = new Float64Array(layout.size).fill(Number.NaN);
  initializeParameters(layout, spec, new Rng(seed), params);
  return params;
}

describe('initializeParameters', () => {
  const layout = layoutOf(NET);

  it('fills every layer from init.weights and zero biases by default, drawing layer by layer', () => {
    const views = viewsOf(layout, init({ weights: { scheme: 'he_normal' } }));
    const rng = new Rng(7);
    for (const [l, shape] of layout.layers.entries()) {
      const W = new Float64Array(shape.fanIn * shape.fanOut);
      fillWeights(shape, { scheme: 'he_normal' }, rng, W);
      expect(views[l].W).toEqual(W);
      expect(views[l].b.every((b) => b === 0)).toBe(true);
    }
  });

  it('applies an override to just that layer (weights and bias), the rest keep the defaults', () => {
    const spec: InitSpec = {
      weights: { scheme: 'constant', value: 1 },
      bias: { scheme: 'constant', value: 0.1 },
      overrides: [
        { layer: 2, weights: { scheme: 'identity', scale: 2 }, bias: { scheme: 'vector', values: [5, 6] } },
      ],
    };
    const [l0, l1, l2] = viewsOf(layout, init(spec));
    expect(l0.W.every((w) => w === 1) && l1.W.every((w) => w === 1)).toBe(true);
    expect([...l0.b]).toEqual([0.1, 0.1, 0.1]);
    expect(l1.b.length).toBe(0);
    expect([...l2.W]).toEqual([2, 0, 0, 0, 2, 0]);
    expect([...l2.b]).toEqual([5, 6]);
  });

  it('same seed ⇒ the same bits; another seed ⇒ different values', () => {
    for (const scheme of [
      'he_normal',
      'xavier_uniform',
      'lecun_normal',
      'orthogonal',
      'variance_scaling',
    ] as const) {
      const spec: InitSpec = { weights: { scheme } as InitScheme };
      expect(init(spec, 3)).toEqual(init(spec, 3));
      expect(init(spec, 3)).not.toEqual(init(spec, 4));
    }
  });

  it.each<[string, InitSpec, string]>([
    [
      'override index out of range',
      { weights: { scheme: 'zeros' }, overrides: [{ layer: 3, bias: { scheme: 'zeros' } }] },
      'initializeParameters: overrides[0].layer must be an integer in 0..2 (the network has 3 layers), got 3',
    ],
    [
      'duplicate override',
      { weights: { scheme: 'zeros' }, overrides: [{ layer: 0 }, { layer: 0 }] },
      'initializeParameters: overrides[1].layer = 0 repeats overrides[0]',
    ],
    [
      'bias override on a layer without bias',
      { weights: { scheme: 'zeros' }, overrides: [{ layer: 1, bias: { scheme: 'zeros' } }] },
      'initializeParameters: layer 1 overrides[0].bias is given, but the layer has no bias',
    ],
    [
      'matrix with the wrong number of rows',
      {
        weights: { scheme: 'zeros' },
        overrides: [{ layer: 2, weights: { scheme: 'matrix', values: [[1, 2, 3]] } }],
      },
      'initializeParameters: layer 2 overrides[0].weights.values has 1 rows, expected fanOut = 2',
    ],
    [
      'matrix row of the wrong length',
      {
        weights: {
          scheme: 'matrix',
          values: [
            [1, 2, 3, 4],
            [1, 2, 3, 4],
            [1, 2, 3],
          ],
        },
      },
      'initializeParameters: layer 0 weights.values[2] has 3 entries, expected fanIn = 4',
    ],
    [
      'bias vector of the wrong length',
      { weights: { scheme: 'zeros' }, bias: { scheme: 'vector', values: [1, 2, 3] } },
      'initializeParameters: layer 2 bias.values has 3 entries, expected fanOut = 2',
    ],
  ])('rejects %s with a precise message, leaving params untouched', (_, spec, message) => {
    const params = new Float64Array(layout.size).fill(7);
    const rng = new Rng(1);
    expect(() => initializeParameters(layout, spec, rng, params)).toThrow(new Error(message));
    expect(params.every((p) => p === 7)).toBe(true);
    expect(rng.nextU32()).toBe(new Rng(1).nextU32());
  });

  it('fillWeights checks the buffer length and the matrix shape against the layer', () => {
    expect(() => fillWeights(shape(2, 2, 4), { scheme: 'zeros' }, new Rng(0), new Float64Array(3))).toThrow(
      new Error('fillWeights: layer 4 W has 3 values, expected 4'),
    );
    expect(() => draw(shape(2, 1), { scheme: 'matrix', values: [[1, 2, 3]] })).toThrow(
      new Error('fillWeights: layer 0 weights.values[0] has 3 entries, expected fanIn = 2'),
    );
  });
});

describe('recommendedGain (PyTorch calculate_gain)', () => {
  it.each([
    ['linear', 1],
    ['sigmoid', 1],
    ['softmax', 1],
    ['elu', 1],
    ['softplus', 1],
    ['tanh', 5 / 3],
    ['relu', Math.SQRT2],
    ['leaky_relu', Math.sqrt(2 / (1 + 0.01 ** 2))],
  ] as const)('%s → %d', (activation, gain) => {
    expect(recommendedGain(activation, 0.01)).toBe(gain);
  });

  it('leaky_relu uses the given slope', () => {
    expect(recommendedGain('leaky_relu', 0.2)).toBeCloseTo(Math.sqrt(2 / 1.04), 15);
  });
});
