// Datasets: synthetic generators, the seeded train/test split, and labels → the targets a loss consumes.
import type { Dataset } from './dataset.ts';
import { classIndexProblem, DataError, inlineDatasets } from './inline-data.ts';
import { normal } from './normal-data.ts';
import { RNG_STREAM, Rng } from './rng.ts';
import type { DataSpec, LossName } from './spec.ts';

export { DataError, type DataPath } from './inline-data.ts';

export interface DataSplit {
  train: Dataset;
  test: Dataset | null;
}

/** Generation (then a shuffle) uses Rng(spec.seed ?? seed, data stream); the split its own stream of the same seed. */
export function makeDataset(spec: DataSpec, seed: number): DataSplit {
  const s = spec.seed ?? seed;
  const fraction = spec.testFraction ?? 0;
  if (spec.source === 'inline') {
    const { train, test } = inlineDatasets(spec);
    if (!test) return split(train, fraction, s);
    if (fraction !== 0) {
      throw new DataError(['testFraction'], 'give either an explicit test set or testFraction, not both');
    }
    return { train, test };
  }
  const rng = new Rng(s, RNG_STREAM.data);
  return split(shuffled(generate(spec, rng), rng), fraction, s);
}

/**
 * The rows in a random order, as sklearn's generators do by default: the generators emit samples grouped by
 * class, and a consumer taking the first rows (LSUV, a first mini-batch) should see every class.
 */
function shuffled(data: Dataset, rng: Rng): Dataset {
  const order = new Int32Array(data.n).map((_, i) => i);
  rng.shuffle(order);
  return subset(data, order);
}

/** Runs the generator (types and ranges of its parameters are checked at the edge, DataSpecSchema). */
function generate(spec: Exclude<DataSpec, { source: 'inline' }>, rng: Rng): Dataset {
  switch (spec.source) {
    case 'circles': {
      return circles(rng, count(spec.n, 2), spec.noise ?? 0.05, spec.factor ?? 0.8);
    }
    case 'moons':
      return moons(rng, count(spec.n, 2), spec.noise ?? 0.1);
    case 'spirals': {
      const classes = spec.classes ?? 3;
      return spirals(rng, count(spec.n, classes), classes, spec.noise ?? 0.2);
    }
    case 'xor':
      return xor(rng, count(spec.n, 1), spec.noise ?? 0);
    case 'blobs': {
      const classes = spec.classes ?? 3;
      return blobs(rng, count(spec.n, classes), classes, spec.features ?? 2, spec.std ?? 1);
    }
    case 'linear': {
      return linear(rng, count(spec.n, 1), spec.features ?? 1, spec.outputs ?? 1, spec.noise ?? 0.1);
    }
    case 'normal': {
      const targets = spec.targets ?? 'zeros';
      if (targets !== 'labels' && spec.classes !== undefined)
        throw new DataError(['classes'], `classes goes with targets "labels", not "${targets}"`);
      if (targets === 'labels' && spec.outputs !== undefined)
        throw new DataError(
          ['outputs'],
          'outputs goes with targets "zeros" or "regression"; labels take classes',
        );
      return normal(
        rng,
        count(spec.n, 1),
        spec.features ?? 1,
        spec.std ?? 1,
        targets,
        spec.outputs ?? 1,
        spec.classes ?? 2,
      );
    }
  }
}

/** n, which must give every class at least one sample. */
function count(n: number, classes: number): number {
  if (n < classes) throw new DataError(['n'], `n must be an integer ≥ ${classes}, got ${n}`);
  return n;
}

function blank(n: number, inputSize: number, targetSize: number, classes: number): Dataset {
  const x = new Float64Array(n * inputSize);
  return { n, inputSize, x, targetSize, y: new Float64Array(n * targetSize), classes };
}

/** numpy.linspace(start, stop, count, endpoint)[i]. */
function linspace(start: number, stop: number, count: number, i: number, endpoint = true): number {
  const intervals = endpoint ? count - 1 : count;
  return intervals > 0 ? start + ((stop - start) * i) / intervals : start;
}

/** Samples of class j when n is dealt to k classes as sklearn does: the first n mod k classes get one more. */
function classSize(n: number, k: number, j: number): number {
  return Math.floor(n / k) + (j < n % k ? 1 : 0);
}

/**
 * sklearn's make_circles (unshuffled; makeDataset shuffles): floor(n/2) points evenly on the unit circle (label 0), the
 * rest on the circle of radius `factor` (label 1), plus N(0, noise²) on each coordinate. x is (n, 2).
 */
export function circles(rng: Rng, n: number, noise = 0.05, factor = 0.8): Dataset {
  const data = blank(n, 2, 1, 2);
  const nOuter = Math.floor(n / 2);
  for (let i = 0; i < n; i++) {
    const inner = i >= nOuter;
    const t = inner
      ? linspace(0, 2 * Math.PI, n - nOuter, i - nOuter, false)
      : linspace(0, 2 * Math.PI, nOuter, i, false);
    const r = inner ? factor : 1;
    data.x[2 * i] = r * Math.cos(t) + noise * rng.normal();
    data.x[2 * i + 1] = r * Math.sin(t) + noise * rng.normal();
    data.y[i] = inner ? 1 : 0;
  }
  return data;
}

/**
 * sklearn's make_moons (unshuffled; makeDataset shuffles): floor(n/2) points on the upper half of the unit circle (label
 * 0), the rest on the lower half circle centred at (1, 0.5) (label 1), plus N(0, noise²). x is (n, 2).
 */
export function moons(rng: Rng, n: number, noise = 0.1): Dataset {
  const data = blank(n, 2, 1, 2);
  const nOuter = Math.floor(n / 2);
  for (let i = 0; i < n; i++) {
    const inner = i >= nOuter;
    const t = inner ? linspace(0, Math.PI, n - nOuter, i - nOuter) : linspace(0, Math.PI, nOuter, i);
    data.x[2 * i] = (inner ? 1 - Math.cos(t) : Math.cos(t)) + noise * rng.normal();
    data.x[2 * i + 1] = (inner ? 0.5 - Math.sin(t) : Math.sin(t)) + noise * rng.normal();
    data.y[i] = inner ? 1 : 0;
  }
  return data;
}

/**
 * CS231n's spiral: class j has radius r = linspace(0, 1) and angle t = linspace(4j, 4(j+1)) + noise·N(0, 1),
 * point (r·sin t, r·cos t). n is dealt to the classes as evenly as possible, in class order. x is (n, 2).
 */
export function spirals(rng: Rng, n: number, classes = 3, noise = 0.2): Dataset {
  const data = blank(n, 2, 1, classes);
  let i = 0;
  for (let j = 0; j < classes; j++) {
    const size = classSize(n, classes, j);
    for (let k = 0; k < size; k++, i++) {
      const r = linspace(0, 1, size, k);
      const t = linspace(4 * j, 4 * (j + 1), size, k) + noise * rng.normal();
      data.x[2 * i] = r * Math.sin(t);
      data.x[2 * i + 1] = r * Math.cos(t);
      data.y[i] = j;
    }
  }
  return data;
}

/** Points uniform in [-1, 1]², label 1 when x1·x2 > 0 (before noise), then N(0, noise²) added. x is (n, 2). */
export function xor(rng: Rng, n: number, noise = 0): Dataset {
  const data = blank(n, 2, 1, 2);
  for (let i = 0; i < n; i++) {
    const a = rng.uniformIn(-1, 1);
    const b = rng.uniformIn(-1, 1);
    data.y[i] = a * b > 0 ? 1 : 0;
    data.x[2 * i] = a + noise * rng.normal();
    data.x[2 * i + 1] = b + noise * rng.normal();
  }
  return data;
}

/**
 * sklearn's make_blobs (unshuffled; makeDataset shuffles): `classes` centres uniform in [-10, 10]^features (drawn first),
 * then each class's points N(centre, std²·I), in class order. x is (n, features).
 */
export function blobs(rng: Rng, n: number, classes = 3, features = 2, std = 1): Dataset {
  const data = blank(n, features, 1, classes);
  const centres = new Float64Array(classes * features); // (classes, features)
  for (let c = 0; c < centres.length; c++) centres[c] = rng.uniformIn(-10, 10);
  let i = 0;
  for (let j = 0; j < classes; j++) {
    for (let k = classSize(n, classes, j); k > 0; k--, i++) {
      for (let f = 0; f < features; f++)
        data.x[i * features + f] = centres[j * features + f] + std * rng.normal();
      data.y[i] = j;
    }
  }
  return data;
}

/**
 * Linear regression: W (outputs, features) and b (outputs) drawn N(0, 1) first, then x (n, features) ~ N(0, 1),
 * y (n, outputs) = x·Wᵀ + b + noise·N(0, 1). The noiseless W and b are kept in `truth`.
 */
export function linear(rng: Rng, n: number, features = 1, outputs = 1, noise = 0.1): Dataset {
  const data = blank(n, features, outputs, 0);
  const weights = new Float64Array(outputs * features);
  const bias = new Float64Array(outputs);
  for (let k = 0; k < weights.length; k++) weights[k] = rng.normal();
  for (let o = 0; o < outputs; o++) bias[o] = rng.normal();
  for (let k = 0; k < data.x.length; k++) data.x[k] = rng.normal();
  for (let i = 0; i < n; i++) {
    for (let o = 0; o < outputs; o++) {
      let z = bias[o];
      for (let f = 0; f < features; f++) z += data.x[i * features + f] * weights[o * features + f];
      data.y[i * outputs + o] = z + noise * rng.normal();
    }
  }
  data.truth = { weights, bias };
  return data;
}

/** Holds out round(n·fraction) samples, chosen by a seeded permutation; fraction 0 ⇒ no test set. */
function split(data: Dataset, fraction: number, seed: number): DataSplit {
  if (fraction === 0) return { train: data, test: null };
  const nTest = Math.round(data.n * fraction);
  if (nTest === 0 || nTest === data.n) {
    const empty = nTest === 0 ? 'test' : 'training';
    throw new DataError(
      ['testFraction'],
      `testFraction ${fraction} of ${data.n} samples leaves the ${empty} set empty`,
    );
  }
  const order = new Int32Array(data.n).map((_, i) => i);
  new Rng(seed, RNG_STREAM.split).shuffle(order);
  return { train: subset(data, order.subarray(nTest)), test: subset(data, order.subarray(0, nTest)) };
}

/** The rows `rows` of `data`, in that order, as a new Dataset (no buffer shared, so each can be transferred). */
function subset(data: Dataset, rows: Int32Array): Dataset {
  const { inputSize, targetSize } = data;
  const part = blank(rows.length, inputSize, targetSize, data.classes);
  rows.forEach((r, i) => {
    part.x.set(data.x.subarray(r * inputSize, (r + 1) * inputSize), i * inputSize);
    part.y.set(data.y.subarray(r * targetSize, (r + 1) * targetSize), i * targetSize);
  });
  if (data.truth) part.truth = { weights: data.truth.weights.slice(), bias: data.truth.bias.slice() };
  if (data.origin) {
    const from = data.origin.rows;
    part.origin = { path: data.origin.path, rows: from ? rows.map((r) => from[r]) : rows.slice() };
  }
  return part;
}

/** Throws DataError at ['features'] when the samples' width is not the network's input width. */
export function checkInputSize(data: Dataset, inputSize: number): void {
  if (data.inputSize !== inputSize) {
    throw new DataError(
      [...(data.origin?.path ?? []), 'features'],
      `each sample has ${data.inputSize} feature${data.inputSize === 1 ? '' : 's'}, but the network takes ${inputSize} inputs`,
    );
  }
}

/**
 * The (n, outputSize) targets `loss` consumes: categorical_cross_entropy ⇒ one-hot of the class index, or the
 * label vectors themselves when they are probabilities (one-hot or soft labels, each row in [0, 1] summing to 1);
 * binary_cross_entropy ⇒ the 0/1 label (one output) or the label vector in [0, 1] (multi-label);
 * mse ⇒ the targets (a class label counts as a number for one output). Throws DataError when incompatible.
 */
export function encodeTargets(data: Dataset, loss: LossName, outputSize: number): Float64Array {
  const { n, y, targetSize, classes } = data;
  const labels = [...(data.origin?.path ?? []), 'labels'];
  const shape = targetSize === 1 ? 'one number per sample' : `label vectors of length ${targetSize}`;
  const targets = new Float64Array(n * outputSize);
  if (loss === 'mse' || (loss === 'binary_cross_entropy' && outputSize > 1)) {
    if (targetSize !== outputSize) {
      const hint = classes > 2 ? `; for ${classes} classes use categorical_cross_entropy` : '';
      throw new DataError(
        labels,
        `${loss} with ${outputSize} outputs needs targets of length ${outputSize}, got ${shape}${hint}`,
      );
    }
    if (loss === 'binary_cross_entropy') {
      y.forEach((v, k) => {
        if (!(v >= 0 && v <= 1))
          throw labelError(data, k, `label ${v} is outside [0, 1] (binary_cross_entropy)`);
      });
    }
    targets.set(y);
    return targets;
  }
  const categorical = loss === 'categorical_cross_entropy';
  if (categorical && targetSize > 1 && targetSize === outputSize) {
    // One-hot or soft labels: a probability vector per sample, as PyTorch's CrossEntropyLoss takes them.
    for (let r = 0; r < n; r++) {
      let sum = 0;
      for (let j = 0; j < outputSize; j++) {
        const v = y[r * outputSize + j];
        if (!(v >= 0 && v <= 1))
          throw labelError(data, r * outputSize + j, `label ${v} is outside [0, 1] (${loss} probabilities)`);
        sum += v;
      }
      if (Math.abs(sum - 1) > 1e-6) {
        const at = data.origin?.rows ? data.origin.rows[r] : r;
        throw new DataError(
          [...(data.origin?.path ?? []), 'labels', at],
          `the probabilities of row ${at} sum to ${Number(sum.toPrecision(6))}, not 1 (${loss})`,
        );
      }
    }
    targets.set(y);
    return targets;
  }
  // One label per sample: a class index (categorical) or 0/1 (binary with one output).
  if (targetSize !== 1) {
    const vectors = categorical ? ` or label vectors of length ${outputSize} (one-hot or probabilities)` : '';
    throw new DataError(
      labels,
      `${loss} with ${outputSize} output(s) needs one class label per sample${vectors}, got ${shape}`,
    );
  }
  if (classes === 0 && !data.origin)
    throw new DataError(labels, `${loss} needs class labels, but the data are regression targets`);
  if (classes > (categorical ? outputSize : 2)) {
    const fit = categorical
      ? `the network has only ${outputSize} output units`
      : `${loss} with one output takes labels 0/1; use categorical_cross_entropy`;
    throw new DataError(labels, `the labels have ${classes} classes, but ${fit}`);
  }
  y.forEach((v, i) => {
    const problem = categorical ? classProblem(v, outputSize) : binaryProblem(v);
    if (problem) throw labelError(data, i, `${problem} (${loss})`);
    if (categorical) targets[i * outputSize + v] = 1;
    else targets[i] = v;
  });
  return targets;
}

function binaryProblem(v: number): string | null {
  return v === 0 || v === 1 ? null : `label ${v} is not 0 or 1`;
}

function classProblem(v: number, outputSize: number): string | null {
  const problem = classIndexProblem(v);
  if (problem || v < outputSize) return problem;
  return `class ${v} needs at least ${v + 1} output units, the network has ${outputSize}`;
}

/** DataError at the label holding flat element k of y, as the spec names it when the data are inline. */
function labelError(data: Dataset, k: number, message: string): DataError {
  const row = Math.floor(k / data.targetSize);
  const at = data.origin?.rows ? data.origin.rows[row] : row;
  const column = data.targetSize > 1 ? [k % data.targetSize] : [];
  return new DataError([...(data.origin?.path ?? []), 'labels', at, ...column], message);
}

/**
 * Fraction of samples predicted right; `predictions` is (n, outputSize) after the output activation.
 * categorical: argmax == class index (or the label vector's argmax); binary: every output's (p > 0.5) matches (label > 0.5); mse: null.
 */
export function accuracy(
  predictions: Float64Array,
  data: Dataset,
  loss: LossName,
  outputSize: number,
): number | null {
  if (loss === 'mse') return null;
  const { n, y, targetSize } = data;
  if (predictions.length !== n * outputSize) {
    throw new Error(
      `accuracy: predictions has length ${predictions.length}, expected n·outputSize = ${n * outputSize}`,
    );
  }
  const categorical = loss === 'categorical_cross_entropy';
  // Categorical labels are class indices (width 1) or probability vectors (width outputSize).
  const vectors = categorical && targetSize === outputSize;
  if (targetSize !== (categorical && !vectors ? 1 : outputSize)) {
    throw new Error(`accuracy: labels of width ${targetSize} do not fit ${loss} with ${outputSize} outputs`);
  }
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const row = i * outputSize;
    let right = true;
    if (categorical) {
      right = argmax(predictions, row, outputSize) === (vectors ? argmax(y, row, outputSize) : y[i]);
    } else {
      for (let j = 0; j < outputSize; j++) if (predictions[row + j] > 0.5 !== y[row + j] > 0.5) right = false;
    }
    if (right) correct++;
  }
  return correct / n;
}

/** Index of the largest of v[from], …, v[from + width − 1] (the first on ties), relative to from. */
function argmax(v: Float64Array, from: number, width: number): number {
  let best = 0;
  for (let j = 1; j < width; j++) if (v[from + j] > v[from + best]) best = j;
  return best;
}
