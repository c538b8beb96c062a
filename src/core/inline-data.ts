// Inline (user-supplied) data into the core's Dataset form. Types and ranges are checked at the edge (DataSpecSchema);
// here, the shapes: rows of one width, a label per row, labels of one form, a test set like the training set.
import type { Dataset } from './dataset.ts';
import { type FieldPath, SpecError } from './errors.ts';
import type { DataSpec } from './spec.ts';

/** Location of a bad element inside the data spec, e.g. ['test', 'labels', 12]. */
export type DataPath = FieldPath;

/** Data that cannot be used as given; `path` points into the data spec, the message says what is wrong. */
export class DataError extends SpecError {
  constructor(path: DataPath, message: string) {
    super(path, message);
    this.name = 'DataError';
  }
}

export type InlineSpec = Extract<DataSpec, { source: 'inline' }>;

/** The shape of the training set that an explicit test set must repeat. */
interface Form {
  inputSize: number;
  /** 0 when labels are numbers, else the length of every label vector. */
  vectorWidth: number;
  /** Labels are class indices (all numbers, all non-negative integers). */
  classification: boolean;
}

/**
 * Checks and converts `spec.features`/`spec.labels` (and `spec.test` when given). Classification is
 * inferred from the training labels: all numbers and all non-negative integers ⇒ classes = max + 1 (at
 * least 2), shared by both sets; anything else is regression (classes 0).
 */
export function inlineDatasets(spec: InlineSpec): { train: Dataset; test: Dataset | null } {
  const train = readSet(spec.features, spec.labels, [], null);
  if (spec.test === undefined) return { train: train.data, test: null };
  const test = readSet(spec.test.features, spec.test.labels, ['test'], train.form);
  if (train.form.classification) {
    const classes = Math.max(train.data.classes, test.data.classes);
    train.data.classes = classes;
    test.data.classes = classes;
  }
  return { train: train.data, test: test.data };
}

function readSet(
  features: number[][],
  labels: number[] | number[][],
  at: DataPath,
  like: Form | null,
): { data: Dataset; form: Form } {
  const { x, n, inputSize } = readFeatures(features, at, like);
  if (labels.length !== n) {
    throw new DataError([...at, 'labels'], `got ${labels.length} labels for ${n} feature rows`);
  }
  const vectorWidth = labelWidth(labels, at, like);
  const targetSize = Math.max(vectorWidth, 1);
  const y = new Float64Array(n * targetSize);
  labels.forEach((label: number | number[], i) => {
    if (typeof label === 'number') y[i] = label;
    else y.set(label, i * targetSize);
  });
  const classification = like
    ? like.classification
    : vectorWidth === 0 && y.every((v) => Number.isInteger(v) && v >= 0);
  if (like?.classification) {
    y.forEach((v, i) => {
      const problem = classIndexProblem(v);
      if (problem)
        throw new DataError([...at, 'labels', i], `${problem} (the training labels are class indices)`);
    });
  }
  const classes = classification ? y.reduce((most, v) => Math.max(most, v + 1), 2) : 0;
  const data: Dataset = { n, inputSize, x, targetSize, y, classes, origin: { path: at, rows: null } };
  return { data, form: { inputSize, vectorWidth, classification } };
}

function readFeatures(
  features: number[][],
  at: DataPath,
  like: Form | null,
): { x: Float64Array; n: number; inputSize: number } {
  const inputSize = like ? like.inputSize : features[0].length;
  const n = features.length;
  const x = new Float64Array(n * inputSize);
  features.forEach((row, i) => {
    if (row.length !== inputSize) {
      const expected = like ? `the training rows have length ${inputSize}` : `row 0 has length ${inputSize}`;
      throw new DataError([...at, 'features', i], `row ${i} has length ${row.length}, but ${expected}`);
    }
    x.set(row, i * inputSize);
  });
  return { x, n, inputSize };
}

/** Checks that labels are all numbers or all vectors of one length (like the training labels); 0 for numbers. */
function labelWidth(labels: number[] | number[][], at: DataPath, like: Form | null): number {
  const first = labels[0];
  const width = like ? like.vectorWidth : Array.isArray(first) ? first.length : 0;
  if (!like && Array.isArray(first) && width === 0) {
    throw new DataError([...at, 'labels', 0], 'a label vector must not be empty');
  }
  const source = like ? 'the training labels' : 'labels[0]';
  labels.forEach((label: number | number[], i) => {
    const isVector = Array.isArray(label);
    if (width === 0 && isVector) {
      throw new DataError([...at, 'labels', i], `expected a number like ${source}, got an array`);
    }
    if (width > 0 && !isVector) {
      throw new DataError([...at, 'labels', i], `expected a vector of ${width} numbers like ${source}`);
    }
    if (isVector && label.length !== width) {
      throw new DataError(
        [...at, 'labels', i],
        `label vector has length ${label.length}, but ${source} ${like ? 'have' : 'has'} length ${width}`,
      );
    }
  });
  return width;
}

/** Why `v` is not a class index, or null when it is one. */
export function classIndexProblem(v: number): string | null {
  if (!Number.isInteger(v)) return `label ${v} is not an integer class index`;
  if (v < 0) return `label ${v} is negative; class indices start at 0`;
  return null;
}
