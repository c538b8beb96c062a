// evaluateBatch's outputs: the output layer's pre-activations (logits) always, every layer's Z and A on request.
import { describe, expect, it } from 'vitest';
import { evaluateBatch } from '../../src/core/evaluate-batch.ts';
import type { NetworkSpec } from '../../src/core/spec.ts';

// relu layer W1 (2, 2), then a 2-way softmax W2 (2, 2): small enough to do by hand.
const network: NetworkSpec = {
  inputSize: 2,
  layers: [
    { units: 2, activation: 'relu' },
    { units: 2, activation: 'softmax' },
  ],
  loss: 'categorical_cross_entropy',
};
const weights = [
  {
    W: [
      [1, -1],
      [0.5, 2],
    ],
    b: [0, -1],
  },
  {
    W: [
      [2, 0],
      [-1, 1],
    ],
    b: [0.5, 0],
  },
];
const features = [
  [3, 1],
  [-1, 0.5],
];

describe('evaluateBatch', () => {
  it('returns the logits Z_L beside the softmax outputs', () => {
    const r = evaluateBatch(network, weights, features, [0, 1]);
    // Row 0: Z1 = [3 − 1, 1.5 + 2 − 1] = [2, 2.5], A1 = [2, 2.5], Z2 = [4.5, 0.5].
    // Row 1: Z1 = [−1.5, −0.5 + 1 − 1] = [−1.5, −0.5], A1 = [0, 0], Z2 = [0.5, 0].
    expect(r.logits).toEqual([
      [4.5, 0.5],
      [0.5, 0],
    ]);
    const e = Math.exp(4);
    expect(r.outputs[0][0]).toBeCloseTo(e / (e + 1), 15);
    expect(r.layers).toBeNull();
  });

  it('returns every layer’s pre-activations and activations when asked', () => {
    const r = evaluateBatch(network, weights, features, [0, 1], { activations: true });
    expect(r.layers).toEqual([
      {
        Z: [
          [2, 2.5],
          [-1.5, -0.5],
        ],
        A: [
          [2, 2.5],
          [0, 0],
        ],
      },
      { Z: r.logits, A: r.outputs },
    ]);
  });
});
