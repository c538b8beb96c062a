// Forward/backward of the dense network: derivatives against finite differences, closed forms, property tests.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { activationBackward, activationForward } from '../../src/core/activations.ts';
import { gradientCheck, verdictOf } from '../../src/core/gradcheck.ts';
import { lossBackward, lossValue, outputForward } from '../../src/core/losses.ts';
import { viewsOf } from '../../src/core/model.ts';
import { backward, batchLoss, buildNetwork, createWorkspace, forward } from '../../src/core/network.ts';
import { Rng } from '../../src/core/rng.ts';
import type { ActivationName, LossName, NetworkSpec } from '../../src/core/spec.ts';

const act = { leakySlope: 0.1, eluAlpha: 0.7 };
const elementwise: ActivationName[] = ['linear', 'sigmoid', 'tanh', 'relu', 'leaky_relu', 'elu', 'softplus'];

describe('activations', () => {
  it.each(elementwise)('%s: backward matches the central difference of forward', (name) => {
    const zs = Float64Array.from([-3.1, -0.7, -0.05, 0.03, 0.4, 2.2, 7.5]);
    const len = zs.length;
    const A = new Float64Array(len);
    activationForward(name, zs, A, len, act);
    const dA = new Float64Array(len).fill(1);
    const dZ = new Float64Array(len);
    activationBackward(name, zs, A, dA, dZ, len, act);
    const h = 1e-6;
    const plus = new Float64Array(len);
    const minus = new Float64Array(len);
    activationForward(
      name,
      zs.map((z) => z + h),
      plus,
      len,
      act,
    );
    activationForward(
      name,
      zs.map((z) => z - h),
      minus,
      len,
      act,
    );
    for (let i = 0; i < len; i++) expect(dZ[i]).toBeCloseTo((plus[i] - minus[i]) / (2 * h), 8);
  });

  it('stays finite for huge inputs', () => {
    const Z = Float64Array.from([-1000, 1000]);
    for (const name of elementwise) {
      const A = new Float64Array(2);
      activationForward(name, Z, A, 2, act);
      expect(
        A.every((v) => Number.isFinite(v)),
        name,
      ).toBe(true);
    }
  });
});

describe('losses', () => {
  const cases: [LossName, ActivationName, number][] = [
    ['binary_cross_entropy', 'sigmoid', 3],
    ['categorical_cross_entropy', 'softmax', 4],
    ['mse', 'linear', 2],
    ['mse', 'tanh', 2],
  ];
  it.each(cases)(
    '%s with %s output: dZ matches the central difference of the loss',
    (loss, activation, out) => {
      const rng = new Rng(7);
      const batch = 5;
      const Z = Float64Array.from({ length: batch * out }, () => rng.normal() * 2);
      const Y = new Float64Array(batch * out);
      for (let r = 0; r < batch; r++) {
        if (loss === 'categorical_cross_entropy') Y[r * out + rng.int(out)] = 1;
        else for (let j = 0; j < out; j++) Y[r * out + j] = loss === 'mse' ? rng.normal() : rng.int(2);
      }
      const A = new Float64Array(Z.length);
      const valueAt = (z: Float64Array) => {
        const a = new Float64Array(z.length);
        outputForward(activation, z, a, batch, out, act);
        return lossValue(loss, z, a, Y, batch, out);
      };
      outputForward(activation, Z, A, batch, out, act);
      const dZ = new Float64Array(Z.length);
      lossBackward(loss, activation, Z, A, Y, dZ, new Float64Array(Z.length), batch, out, act);
      const h = 1e-6;
      for (let i = 0; i < Z.length; i++) {
        const zp = Z.slice();
        zp[i] += h;
        const zm = Z.slice();
        zm[i] -= h;
        expect(dZ[i]).toBeCloseTo((valueAt(zp) - valueAt(zm)) / (2 * h), 8);
      }
    },
  );

  it('a huge logit gives a large finite cost, not NaN', () => {
    const Z = Float64Array.from([800, -900]);
    const A = new Float64Array(2);
    outputForward('sigmoid', Z, A, 2, 1, act);
    const cost = lossValue('binary_cross_entropy', Z, A, Float64Array.from([0, 1]), 2, 1);
    expect(cost).toBeCloseTo(850, 6);
    const Zs = Float64Array.from([1000, -1000, 0]);
    const As = new Float64Array(3);
    outputForward('softmax', Zs, As, 1, 3, act);
    expect(lossValue('categorical_cross_entropy', Zs, As, Float64Array.from([0, 1, 0]), 1, 3)).toBeCloseTo(
      2000,
      6,
    );
  });
});

function randomProblem(spec: NetworkSpec, batch: number, seed: number) {
  const net = buildNetwork(spec);
  const rng = new Rng(seed);
  const theta = Float64Array.from({ length: net.layout.size }, () => rng.normal() * 0.6);
  const X = Float64Array.from({ length: batch * spec.inputSize }, () => rng.normal());
  const out = net.layout.outputSize;
  const Y = new Float64Array(batch * out);
  for (let r = 0; r < batch; r++) {
    if (spec.loss === 'categorical_cross_entropy') Y[r * out + rng.int(out)] = 1;
    else for (let j = 0; j < out; j++) Y[r * out + j] = spec.loss === 'mse' ? rng.normal() : rng.int(2);
  }
  return { net, theta, X, Y };
}

describe('whole networks pass the gradient check in float64', () => {
  const hidden = fc.constantFrom<ActivationName>(
    'linear',
    'sigmoid',
    'tanh',
    'relu',
    'leaky_relu',
    'elu',
    'softplus',
  );
  const arbitrarySpec = fc.record({
    inputSize: fc.integer({ min: 1, max: 5 }),
    hidden: fc.array(
      fc.record({ units: fc.integer({ min: 1, max: 7 }), activation: hidden, bias: fc.boolean() }),
      {
        minLength: 0,
        maxLength: 4,
      },
    ),
    head: fc.constantFrom(
      { loss: 'binary_cross_entropy' as const, activation: 'sigmoid' as const, units: 1 },
      { loss: 'binary_cross_entropy' as const, activation: 'sigmoid' as const, units: 3 },
      { loss: 'categorical_cross_entropy' as const, activation: 'softmax' as const, units: 3 },
      { loss: 'mse' as const, activation: 'linear' as const, units: 2 },
      { loss: 'mse' as const, activation: 'tanh' as const, units: 1 },
    ),
    l2: fc.constantFrom(0, 0.3),
    batch: fc.integer({ min: 1, max: 6 }),
    seed: fc.integer({ min: 0, max: 1_000_000 }),
  });

  it('random depth, widths, activations and losses: difference < 1e-7', () => {
    fc.assert(
      fc.property(arbitrarySpec, (s) => {
        const spec: NetworkSpec = {
          inputSize: s.inputSize,
          layers: [...s.hidden, { units: s.head.units, activation: s.head.activation }],
          loss: s.head.loss,
          l2: s.l2,
          leakySlope: 0.05,
        };
        const { net, theta, X, Y } = randomProblem(spec, s.batch, s.seed);
        const result = gradientCheck(net, theta, X, Y, s.batch);
        expect(result.difference).toBeLessThan(1e-7);
        expect(result.verdict).toBe('pass');
      }),
      { numRuns: 150, seed: 42 },
    );
  });

  it('a wrong gradient is caught as a bug and its parameter is named first', () => {
    const spec: NetworkSpec = {
      inputSize: 3,
      layers: [
        { units: 4, activation: 'tanh' },
        { units: 1, activation: 'sigmoid' },
      ],
      loss: 'binary_cross_entropy',
    };
    const { net, theta, X, Y } = randomProblem(spec, 4, 1);
    const ws = createWorkspace(net.layout, 4);
    const gradient = new Float64Array(net.layout.size);
    forward(net, viewsOf(net.layout, theta), X, 4, ws);
    backward(net, viewsOf(net.layout, theta), viewsOf(net.layout, gradient), X, Y, 4, ws);
    expect(gradientCheck(net, theta, X, Y, 4, { gradient }).verdict).toBe('pass');
    // W[0] row 2, col 1 sits at 2·3 + 1 = 7: make it wrong by 50%.
    gradient[7] *= 1.5;
    const wrong = gradientCheck(net, theta, X, Y, 4, { gradient });
    expect(wrong.verdict).not.toBe('pass');
    expect(wrong.worst[0]).toMatchObject({ layer: 0, param: 'W', row: 2, col: 1 });
    expect(wrong.layers[1].W.difference).toBeLessThan(1e-7);
    expect(wrong.layers[0].W.difference).toBeGreaterThan(1e-3);
  });

  it('verdicts follow the course thresholds', () => {
    expect(verdictOf(3e-9).verdict).toBe('pass');
    expect(verdictOf(2e-5).verdict).toBe('warn');
    expect(verdictOf(1e-3).verdict).toBe('fail');
    expect(verdictOf(Number.NaN).verdict).toBe('fail');
  });

  it('fast mode samples parameters and random directions and states its cost', () => {
    const spec: NetworkSpec = {
      inputSize: 6,
      layers: [
        { units: 20, activation: 'tanh' },
        { units: 20, activation: 'elu' },
        { units: 4, activation: 'softmax' },
      ],
      loss: 'categorical_cross_entropy',
    };
    const { net, theta, X, Y } = randomProblem(spec, 5, 3);
    const before = theta.slice();
    const result = gradientCheck(net, theta, X, Y, 5, {
      mode: 'fast',
      sampleSize: 50,
      directions: 8,
      seed: 1,
    });
    expect(result.cost.checkedParameters).toBe(50);
    expect(result.cost.lossEvaluations).toBe(2 * (50 + 8));
    expect(result.directionalDifference).toBeLessThan(1e-7);
    expect(result.difference).toBeLessThan(1e-7);
    expect(theta).toEqual(before);
  });
});

describe('deep linear network with W = c·I', () => {
  for (const L of [10, 50]) {
    for (const c of [1.5, 0.5]) {
      it(`L=${L}, c=${c}: output is c^L·x and every layer's gradient is c^(L−1)·δxᵀ`, () => {
        const n = 3;
        const spec: NetworkSpec = {
          inputSize: n,
          layers: Array.from({ length: L }, () => ({ units: n, activation: 'linear' as const, bias: false })),
          loss: 'mse',
        };
        const net = buildNetwork(spec);
        const theta = new Float64Array(net.layout.size);
        const params = viewsOf(net.layout, theta);
        for (const { W } of params) for (let i = 0; i < n; i++) W[i * n + i] = c;
        const X = Float64Array.from([1, -2, 0.5]);
        const Y = Float64Array.from([0, 0, 0]);
        const ws = createWorkspace(net.layout, 1);
        forward(net, params, X, 1, ws);
        const out = ws.A[L - 1];
        for (let i = 0; i < n; i++) expect(out[i] / (c ** L * X[i])).toBeCloseTo(1, 12);
        const grad = new Float64Array(net.layout.size);
        backward(net, params, viewsOf(net.layout, grad), X, Y, 1, ws);
        const delta = Array.from(out, (o, i) => (2 * (o - Y[i])) / n);
        for (const { W: dW } of viewsOf(net.layout, grad)) {
          for (let r = 0; r < n; r++) {
            for (let k = 0; k < n; k++) {
              expect(dW[r * n + k] / (c ** (L - 1) * delta[r] * X[k])).toBeCloseTo(1, 10);
            }
          }
        }
        expect(batchLoss(net, params, Y, 1, ws)).toBeGreaterThan(0);
      });
    }
  }
});

describe('buildNetwork', () => {
  it('rejects a loss and output activation that do not fit, naming the field', () => {
    expect(() =>
      buildNetwork({
        inputSize: 2,
        layers: [{ units: 1, activation: 'relu' }],
        loss: 'binary_cross_entropy',
      }),
    ).toThrowError(/loss binary_cross_entropy needs a sigmoid output layer/);
    try {
      buildNetwork({
        inputSize: 2,
        layers: [
          { units: 3, activation: 'softmax' },
          { units: 1, activation: 'linear' },
        ],
        loss: 'mse',
      });
      expect.unreachable();
    } catch (e) {
      expect((e as { path: unknown }).path).toEqual(['layers', 0, 'activation']);
    }
  });
});
