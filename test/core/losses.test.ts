// Categorical cross-entropy with one-hot and soft labels (PyTorch's CrossEntropyLoss with probabilities):
// closed forms, finite differences, and the label checks.
import { describe, expect, it } from 'vitest';
import { accuracy, type DataError, encodeTargets, makeDataset } from '../../src/core/datasets.ts';
import { evaluateBatch } from '../../src/core/evaluate-batch.ts';
import { weightsFromJson } from '../../src/core/export.ts';
import { gradientCheck } from '../../src/core/gradcheck.ts';
import { buildNetwork } from '../../src/core/network.ts';
import type { NetworkSpec } from '../../src/core/spec.ts';

const network: NetworkSpec = {
  inputSize: 2,
  layers: [{ units: 3, activation: 'softmax' }],
  loss: 'categorical_cross_entropy',
};
const weights = [
  {
    W: [
      [0.5, -1.2],
      [2, 0.3],
      [-0.7, 0.9],
    ],
    b: [0.1, -0.2, 0.05],
  },
];
const features = [
  [1, 2],
  [-0.5, 0.25],
  [3, -1],
];

/** −Σ_j y_j log softmax(z)_j averaged over rows, computed the plain way. */
function crossEntropy(labels: number[][]): number {
  let sum = 0;
  features.forEach((x, r) => {
    const z = weights[0].W.map((w, j) => w[0] * x[0] + w[1] * x[1] + weights[0].b[j]);
    const max = Math.max(...z);
    const lse = max + Math.log(z.reduce((s, v) => s + Math.exp(v - max), 0));
    labels[r].forEach((y, j) => {
      sum -= y * (z[j] - lse);
    });
  });
  return sum / features.length;
}

describe('categorical cross-entropy with label vectors', () => {
  it('one-hot vectors give exactly what class indices give', () => {
    const indices = evaluateBatch(network, weights, features, [2, 0, 1]);
    const oneHot = evaluateBatch(network, weights, features, [
      [0, 0, 1],
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(oneHot).toEqual(indices);
  });

  it('soft labels: the loss is −mean Σ y log softmax(z), and dZ = (softmax(z) − y)/batch', () => {
    const soft = [
      [0.2, 0.3, 0.5],
      [1, 0, 0],
      [0.25, 0.7, 0.05],
    ];
    const r = evaluateBatch(network, weights, features, soft);
    expect(r.loss).toBeCloseTo(crossEntropy(soft), 14);
    // db = Σ_rows (softmax(z) − y)/batch.
    const db = [0, 1, 2].map((j) => r.outputs.reduce((s, p, row) => s + (p[j] - soft[row][j]), 0) / 3);
    r.gradients[0].db!.forEach((g, j) => {
      expect(g).toBeCloseTo(db[j], 15);
    });
  });

  it('soft labels pass the gradient check through a hidden layer', () => {
    const spec: NetworkSpec = {
      inputSize: 2,
      layers: [
        { units: 5, activation: 'tanh' },
        { units: 3, activation: 'softmax' },
      ],
      loss: 'categorical_cross_entropy',
      l2: 0.1,
    };
    const net = buildNetwork(spec);
    const { train } = makeDataset(
      {
        source: 'inline',
        features,
        labels: [
          [0.2, 0.3, 0.5],
          [0.6, 0.4, 0],
          [0.25, 0.7, 0.05],
        ],
      },
      0,
    );
    const Y = encodeTargets(train, 'categorical_cross_entropy', 3);
    const theta = weightsFromJson(net.layout, [
      {
        W: [
          [0.3, -0.2],
          [0.5, 0.1],
          [-0.4, 0.8],
          [0.9, -0.6],
          [0.05, 0.2],
        ],
        b: [0, 0.1, -0.1, 0.2, 0],
      },
      {
        W: [
          [0.3, -0.2, 0.5, 0.1, -0.4],
          [0.8, 0.9, -0.6, 0.05, 0.2],
          [-0.1, 0.4, 0.3, -0.7, 0.6],
        ],
        b: [0.1, 0, -0.1],
      },
    ]);
    const r = gradientCheck(net, theta, train.x, Y, 3);
    expect(r.difference).toBeLessThan(1e-7);
    expect(r.verdict).toBe('pass');
  });

  it('refuses rows that are not probabilities, naming the label', () => {
    const at = (labels: number[][]) => {
      try {
        evaluateBatch(network, weights, features, labels);
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
        return { path: (e as DataError).path, message: (e as Error).message };
      }
      return null;
    };
    expect(
      at([
        [0.2, 0.3, 0.5],
        [0.5, 0.6, -0.1],
        [1, 0, 0],
      ]),
    ).toEqual({
      path: ['labels', 1, 2],
      message: 'label -0.1 is outside [0, 1] (categorical_cross_entropy probabilities)',
    });
    expect(
      at([
        [0.2, 0.3, 0.5],
        [0.5, 0.6, 0],
        [1, 0, 0],
      ]),
    ).toEqual({
      path: ['labels', 1],
      message: 'the probabilities of row 1 sum to 1.1, not 1 (categorical_cross_entropy)',
    });
    expect(
      at([
        [0.5, 0.5],
        [1, 0],
        [0, 1],
      ])?.message,
    ).toMatch(/needs one class label per sample or label vectors of length 3/);
  });

  it('accuracy compares the argmax of the prediction with the argmax of the label vector', () => {
    const { train } = makeDataset(
      {
        source: 'inline',
        features: [[0], [1]],
        labels: [
          [0.1, 0.9],
          [0.7, 0.3],
        ],
      },
      0,
    );
    expect(accuracy(Float64Array.from([0.2, 0.8, 0.4, 0.6]), train, 'categorical_cross_entropy', 2)).toBe(
      0.5,
    );
  });
});
