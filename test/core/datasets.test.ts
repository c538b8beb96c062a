// Datasets: generator determinism and geometry, the seeded split, inline validation, targets and accuracy.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/core/dataset.ts';
import { accuracy, checkInputSize, DataError, encodeTargets, makeDataset } from '../../src/core/datasets.ts';
import { SpecError } from '../../src/core/errors.ts';
import type { DataSpec } from '../../src/core/spec.ts';
import { circlesData } from '../helpers/circles.ts';

const GENERATED: { spec: DataSpec; inputSize: number; targetSize: number; classes: number }[] = [
  { spec: { source: 'circles', n: 101 }, inputSize: 2, targetSize: 1, classes: 2 },
  { spec: { source: 'moons', n: 101 }, inputSize: 2, targetSize: 1, classes: 2 },
  { spec: { source: 'spirals', n: 101, classes: 4 }, inputSize: 2, targetSize: 1, classes: 4 },
  { spec: { source: 'xor', n: 101, noise: 0.1 }, inputSize: 2, targetSize: 1, classes: 2 },
  { spec: { source: 'blobs', n: 101, features: 5 }, inputSize: 5, targetSize: 1, classes: 3 },
  { spec: { source: 'linear', n: 101, features: 3, outputs: 2 }, inputSize: 3, targetSize: 2, classes: 0 },
  { spec: { source: 'normal', n: 101, features: 4, outputs: 3 }, inputSize: 4, targetSize: 3, classes: 0 },
  {
    spec: { source: 'normal', n: 101, features: 4, targets: 'labels', classes: 5 },
    inputSize: 4,
    targetSize: 1,
    classes: 5,
  },
];

function train(spec: DataSpec, seed = 1): Dataset {
  return makeDataset(spec, seed).train;
}

/** Runs `fn` and returns the DataError it throws as { path, message }. */
function dataError(fn: () => unknown): { path: (string | number)[]; message: string } {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DataError);
    expect(error).toBeInstanceOf(SpecError);
    const { path, message } = error as DataError;
    return { path, message };
  }
  throw new Error('expected a DataError');
}

function mean(values: number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

function std(values: number[]): number {
  const m = mean(values);
  return Math.sqrt(mean(values.map((v) => (v - m) ** 2)));
}

function rowsOf(data: Dataset): string[] {
  return Array.from({ length: data.n }, (_, i) =>
    [...data.x.subarray(i * data.inputSize, (i + 1) * data.inputSize), data.y[i]].join(','),
  );
}

describe('generators', () => {
  it.each(GENERATED)('$spec.source: same seed ⇒ same bits, another seed ⇒ other data', ({ spec }) => {
    expect(train(spec, 5)).toEqual(train(spec, 5));
    expect(train(spec, 6).x).not.toEqual(train(spec, 5).x);
    expect(train({ ...spec, seed: 9 }, 5)).toEqual(train(spec, 9));
  });

  it.each(GENERATED)('$spec.source: shapes and label range', ({ spec, inputSize, targetSize, classes }) => {
    const data = train(spec);
    expect(data).toMatchObject({ n: 101, inputSize, targetSize, classes });
    expect(data.x.length).toBe(101 * inputSize);
    expect(data.y.length).toBe(101 * targetSize);
    expect([...data.x, ...data.y].every(Number.isFinite)).toBe(true);
    if (classes > 0) {
      expect(new Set(data.y)).toEqual(new Set(Array.from({ length: classes }, (_, c) => c)));
    }
  });

  it('circles: outer radius 1, inner radius factor, noise as asked', () => {
    const exact = train({ source: 'circles', n: 200, noise: 0, factor: 0.5 });
    for (let i = 0; i < exact.n; i++) {
      expect(Math.hypot(exact.x[2 * i], exact.x[2 * i + 1])).toBeCloseTo(exact.y[i] === 1 ? 0.5 : 1, 12);
    }
    const data = train({ source: 'circles', n: 4000, noise: 0.05 });
    const radii = (label: number) =>
      Array.from({ length: data.n }, (_, i) => i)
        .filter((i) => data.y[i] === label)
        .map((i) => Math.hypot(data.x[2 * i], data.x[2 * i + 1]));
    expect(radii(0)).toHaveLength(2000);
    expect(mean(radii(0))).toBeCloseTo(1, 2);
    expect(mean(radii(1))).toBeCloseTo(0.8, 2);
    expect(std(radii(1))).toBeGreaterThan(0.04);
    expect(std(radii(1))).toBeLessThan(0.06);
  });

  it('moons: without noise, class 0 is the upper unit half circle, class 1 the lower one at (1, 0.5)', () => {
    const data = train({ source: 'moons', n: 51, noise: 0 });
    expect(data.y.filter((v) => v === 0)).toHaveLength(25);
    for (let i = 0; i < data.n; i++) {
      const [a, b] = [data.x[2 * i], data.x[2 * i + 1]];
      if (data.y[i] === 0) {
        expect(Math.hypot(a, b)).toBeCloseTo(1, 12);
        expect(b).toBeGreaterThanOrEqual(-1e-12);
      } else {
        expect(Math.hypot(a - 1, b - 0.5)).toBeCloseTo(1, 12);
        expect(b).toBeLessThanOrEqual(0.5 + 1e-12);
      }
    }
  });

  it('spirals: classes as even as n allows, radius running evenly from 0 to 1 in each arm', () => {
    const data = train({ source: 'spirals', n: 301, classes: 3 });
    [101, 100, 100].forEach((size, c) => {
      const radii = Array.from({ length: data.n }, (_, i) => i)
        .filter((i) => data.y[i] === c)
        .map((i) => Math.hypot(data.x[2 * i], data.x[2 * i + 1]))
        .sort((a, b) => a - b);
      expect(radii).toHaveLength(size);
      for (const [k, r] of radii.entries()) expect(r).toBeCloseTo(k / (size - 1), 12);
    });
  });

  it('shuffles the rows, so a prefix holds every class', () => {
    const data = train({ source: 'blobs', n: 300, classes: 3 });
    expect(new Set(data.y.subarray(0, 30))).toEqual(new Set([0, 1, 2]));
  });

  it('xor: points in [-1, 1]², label 1 exactly when x1·x2 > 0', () => {
    const data = train({ source: 'xor', n: 2000 });
    for (let i = 0; i < data.n; i++) {
      expect(Math.abs(data.x[2 * i])).toBeLessThanOrEqual(1);
      expect(data.y[i]).toBe(data.x[2 * i] * data.x[2 * i + 1] > 0 ? 1 : 0);
    }
    expect(mean([...data.y])).toBeCloseTo(0.5, 1);
  });

  it('blobs: tight clusters are separated (each point is nearest its own class mean)', () => {
    const data = train({ source: 'blobs', n: 600, classes: 4, features: 3, std: 0.1 });
    const point = (i: number) => [...data.x.subarray(3 * i, 3 * i + 3)];
    const means = [0, 1, 2, 3].map((c) => {
      const members = Array.from({ length: data.n }, (_, i) => i).filter((i) => data.y[i] === c);
      expect(members).toHaveLength(150);
      return [0, 1, 2].map((f) => mean(members.map((i) => point(i)[f])));
    });
    for (const centre of means) for (const v of centre) expect(Math.abs(v)).toBeLessThan(10.1);
    for (let i = 0; i < data.n; i++) {
      const distances = means.map((m) => Math.hypot(...m.map((v, f) => v - point(i)[f])));
      expect(distances.indexOf(Math.min(...distances))).toBe(data.y[i]);
    }
  });

  it('linear: the residual of y − (x·Wᵀ + b) has the noise level asked for', () => {
    for (const noise of [0, 0.1, 0.5]) {
      const data = train({ source: 'linear', n: 5000, features: 3, outputs: 2, noise });
      const { weights, bias } = data.truth!;
      expect([weights.length, bias.length]).toEqual([6, 2]);
      const residuals: number[] = [];
      for (let i = 0; i < data.n; i++) {
        for (let o = 0; o < 2; o++) {
          let z = bias[o];
          for (let f = 0; f < 3; f++) z += data.x[3 * i + f] * weights[3 * o + f];
          residuals.push(data.y[2 * i + o] - z);
        }
      }
      expect(std(residuals)).toBeCloseTo(noise, 2);
      expect(std([...data.x])).toBeCloseTo(1, 1);
    }
  });

  it('normal: features N(0, σ²) and targets zero, random labels or random regression, as chosen', () => {
    const moments = (v: Float64Array) => {
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      return { mean, std: Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length) };
    };
    const zeros = train({ source: 'normal', n: 1024, features: 256, std: 2, outputs: 10 });
    expect(zeros.x).toHaveLength(1024 * 256);
    const x = moments(zeros.x);
    expect(Math.abs(x.mean)).toBeLessThan(0.02);
    expect(Math.abs(x.std - 2)).toBeLessThan(0.02);
    expect(zeros.y).toEqual(new Float64Array(1024 * 10));
    const labels = train({ source: 'normal', n: 3000, features: 2, targets: 'labels', classes: 3 });
    const counts = [0, 1, 2].map((c) => labels.y.filter((v) => v === c).length);
    expect(counts.reduce((a, b) => a + b)).toBe(3000);
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(100);
    const regression = moments(train({ source: 'normal', n: 4000, targets: 'regression', outputs: 2 }).y);
    expect(Math.abs(regression.mean)).toBeLessThan(0.05);
    expect(Math.abs(regression.std - 1)).toBeLessThan(0.05);
    // Zero targets under mse: the loss is mean(x_L²); labels go with categorical cross-entropy.
    expect(encodeTargets(labels, 'categorical_cross_entropy', 3)).toHaveLength(9000);
    expect(dataError(() => train({ source: 'normal', n: 10, classes: 3 }))).toEqual({
      path: ['classes'],
      message: 'classes goes with targets "labels", not "zeros"',
    });
    expect(dataError(() => train({ source: 'normal', n: 10, targets: 'labels', outputs: 3 })).path).toEqual([
      'outputs',
    ]);
  });

  it("rejects fewer samples than classes (types and ranges are the schema's: test/schemas)", () => {
    expect(dataError(() => makeDataset({ source: 'circles', n: 1 }, 0))).toEqual({
      path: ['n'],
      message: 'n must be an integer ≥ 2, got 1',
    });
    expect(dataError(() => makeDataset({ source: 'spirals', n: 4, classes: 5 }, 0))).toEqual({
      path: ['n'],
      message: 'n must be an integer ≥ 5, got 4',
    });
  });
});

describe('train/test split', () => {
  it('holds out round(n·testFraction) samples, disjoint, covering the unsplit data, deterministically', () => {
    const spec: DataSpec = { source: 'moons', n: 101, testFraction: 0.3 };
    const { train: part, test } = makeDataset(spec, 3);
    expect([part.n, test!.n]).toEqual([71, 30]);
    const whole = rowsOf(train({ ...spec, testFraction: 0 }, 3));
    expect([...rowsOf(part), ...rowsOf(test!)].sort()).toEqual([...whole].sort());
    expect(makeDataset(spec, 3)).toEqual({ train: part, test });
    expect(makeDataset({ source: 'moons', n: 101 }, 3).test).toBeNull();
  });

  it('keeps the generating weights on both parts of linear data', () => {
    const { train: part, test } = makeDataset({ source: 'linear', n: 20, testFraction: 0.5 }, 0);
    expect(test!.truth).toEqual(part.truth);
  });

  it('refuses a fraction that leaves a part empty', () => {
    expect(dataError(() => makeDataset({ source: 'xor', n: 10, testFraction: 0.01 }, 0))).toEqual({
      path: ['testFraction'],
      message: 'testFraction 0.01 of 10 samples leaves the test set empty',
    });
    expect(dataError(() => makeDataset({ source: 'xor', n: 10, testFraction: 0.97 }, 0)).message).toBe(
      'testFraction 0.97 of 10 samples leaves the training set empty',
    );
  });
});

describe('inline data through makeDataset', () => {
  it('loads the course circles through an inline spec', () => {
    const spec = circlesData();
    const file = JSON.parse(readFileSync(new URL('../../datasets/circles.json', import.meta.url), 'utf8'));
    const { train: part, test } = makeDataset(spec, 0);
    expect(part).toMatchObject({ n: 300, inputSize: 2, classes: 2 });
    expect(test).toMatchObject({ n: 100, inputSize: 2, classes: 2 });
    expect(part.x[0]).toBe(file.train.X[0][0]);
  });
});

describe('encodeTargets and checkInputSize', () => {
  const classes3 = train({ source: 'inline', features: [[0], [1], [2], [3]], labels: [2, 0, 1, 2] });

  it('one-hot for categorical cross-entropy (extra output units stay 0)', () => {
    expect([...encodeTargets(classes3, 'categorical_cross_entropy', 3)]).toEqual([
      0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1,
    ]);
    expect(encodeTargets(classes3, 'categorical_cross_entropy', 4)[3]).toBe(0);
  });

  it('labels for binary cross-entropy and mse, label vectors for multi-label', () => {
    const binary = train({ source: 'xor', n: 10 });
    expect(encodeTargets(binary, 'binary_cross_entropy', 1)).toEqual(binary.y);
    expect(encodeTargets(binary, 'mse', 1)).toEqual(binary.y);
    const multi = train({
      source: 'inline',
      features: [[0], [1]],
      labels: [
        [0, 1],
        [0.25, 1],
      ],
    });
    expect([...encodeTargets(multi, 'binary_cross_entropy', 2)]).toEqual([0, 1, 0.25, 1]);
  });

  it.each([
    [
      classes3,
      'categorical_cross_entropy',
      2,
      ['labels'],
      'the labels have 3 classes, but the network has only 2 output units',
    ],
    [
      classes3,
      'binary_cross_entropy',
      1,
      ['labels'],
      'the labels have 3 classes, but binary_cross_entropy with one output takes labels 0/1; use categorical_cross_entropy',
    ],
    [
      classes3,
      'binary_cross_entropy',
      3,
      ['labels'],
      'binary_cross_entropy with 3 outputs needs targets of length 3, got one number per sample; for 3 classes use categorical_cross_entropy',
    ],
    [
      classes3,
      'mse',
      2,
      ['labels'],
      'mse with 2 outputs needs targets of length 2, got one number per sample; for 3 classes use categorical_cross_entropy',
    ],
    [
      train({ source: 'inline', features: [[0], [1], [2]], labels: [0, 1, 2.5] }),
      'categorical_cross_entropy',
      3,
      ['labels', 2],
      'label 2.5 is not an integer class index (categorical_cross_entropy)',
    ],
    [
      train({ source: 'inline', features: [[0], [1], [2]], labels: [0, 0.5, 1] }),
      'binary_cross_entropy',
      1,
      ['labels', 1],
      'label 0.5 is not 0 or 1 (binary_cross_entropy)',
    ],
    [
      train({
        source: 'inline',
        features: [[0], [1]],
        labels: [
          [0, 1],
          [1, 1.5],
        ],
      }),
      'binary_cross_entropy',
      2,
      ['labels', 1, 1],
      'label 1.5 is outside [0, 1] (binary_cross_entropy)',
    ],
    [
      train({
        source: 'inline',
        features: [[0], [1]],
        labels: [
          [0, 1],
          [1, 1],
        ],
      }),
      'categorical_cross_entropy',
      2,
      ['labels', 1],
      'the probabilities of row 1 sum to 2, not 1 (categorical_cross_entropy)',
    ],
    [
      train({
        source: 'inline',
        features: [[0], [1]],
        labels: [
          [0, 1],
          [1, 0],
        ],
      }),
      'categorical_cross_entropy',
      3,
      ['labels'],
      'categorical_cross_entropy with 3 output(s) needs one class label per sample or label vectors of length 3 ' +
        '(one-hot or probabilities), got label vectors of length 2',
    ],
    [
      train({ source: 'linear', n: 5 }),
      'binary_cross_entropy',
      1,
      ['labels'],
      'binary_cross_entropy needs class labels, but the data are regression targets',
    ],
  ] as [Dataset, 'mse', number, (string | number)[], string][])(
    'rejects incompatible labels (%#)',
    (data, loss, outputSize, path, message) => {
      expect(dataError(() => encodeTargets(data, loss, outputSize))).toEqual({ path, message });
    },
  );

  it('names the spec index of a bad label after a split, and the test prefix', () => {
    const labels = [0, 1, 0, 1, 0, 1, 0, 2.5, 0, 1];
    const features = labels.map((_, i) => [i]);
    const split = makeDataset({ source: 'inline', features, labels, testFraction: 0.5 }, 4);
    const holder = split.train.x.includes(7) ? split.train : split.test!;
    expect(dataError(() => encodeTargets(holder, 'categorical_cross_entropy', 2)).path).toEqual([
      'labels',
      7,
    ]);
    const explicit = makeDataset(
      { source: 'inline', features: [[0], [1]], labels: [0, 1], test: { features: [[2]], labels: [1] } },
      0,
    );
    expect(dataError(() => encodeTargets(explicit.test!, 'mse', 2)).path).toEqual(['test', 'labels']);
    expect(dataError(() => checkInputSize(explicit.test!, 2))).toEqual({
      path: ['test', 'features'],
      message: 'each sample has 1 feature, but the network takes 2 inputs',
    });
  });

  it('checkInputSize accepts the matching width and names features otherwise', () => {
    const data = train({ source: 'blobs', n: 9, features: 4 });
    expect(() => checkInputSize(data, 4)).not.toThrow();
    expect(dataError(() => checkInputSize(data, 2)).path).toEqual(['features']);
  });
});

describe('accuracy', () => {
  it('argmax against the class index for categorical cross-entropy', () => {
    const predictions = Float64Array.from([0.1, 0.2, 0.7, 0.8, 0.1, 0.1, 0.3, 0.3, 0.4, 0.2, 0.5, 0.3]);
    expect(accuracy(predictions, classes3(), 'categorical_cross_entropy', 3)).toBe(0.5);
  });

  it('threshold 0.5 for binary cross-entropy, all outputs right for multi-label', () => {
    const binary = train({ source: 'inline', features: [[0], [1], [2], [3]], labels: [0, 1, 1, 0] });
    expect(accuracy(Float64Array.from([0.2, 0.9, 0.5, 0.4]), binary, 'binary_cross_entropy', 1)).toBe(0.75);
    const multi = train({
      source: 'inline',
      features: [[0], [1]],
      labels: [
        [0, 1],
        [1, 1],
      ],
    });
    expect(accuracy(Float64Array.from([0.1, 0.6, 0.7, 0.2]), multi, 'binary_cross_entropy', 2)).toBe(0.5);
  });

  it('is null for mse and checks the predictions shape', () => {
    const data = train({ source: 'linear', n: 3 });
    expect(accuracy(new Float64Array(3), data, 'mse', 1)).toBeNull();
    expect(() => accuracy(new Float64Array(2), classes3(), 'categorical_cross_entropy', 3)).toThrow(
      'accuracy: predictions has length 2, expected n·outputSize = 12',
    );
  });

  function classes3(): Dataset {
    return train({ source: 'inline', features: [[0], [1], [2], [3]], labels: [2, 0, 1, 2] });
  }
});
