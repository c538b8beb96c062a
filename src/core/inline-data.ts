// Validation of inline (user-supplied) data into the core's Dataset form, with errors that name the element.
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
  if (spec.test === null || typeof spec.test !== 'object') {
    throw new DataError(['test'], 'test must be an object with features and labels');
  }
  const test = readSet(spec.test.features, spec.test.labels, ['test'], train.form);
  if (train.form.classification) {
    const classes = Math.max(train.data.classes, test.data.classes);
    train.data.classes = classes;
    test.data.classes = classes;
  }
  return { train: train.data, test: test.data };
}

function readSet(
  features: unknown,
  labels: unknown,
  at: DataPath,
  like: Form | null,
): { data: Dataset; form: Form } {
  const { x, n, inputSize } = readFeatures(features, at, like);
  if (!Array.isArray(labels)) throw new DataError([...at, 'labels'], 'labels must be an array');
  if (labels.length !== n) {
    throw new DataError([...at, 'labels'], `got ${labels.length} labels for ${n} feature rows`);
  }
  const vectorWidth = labelWidth(labels, at, like);
  const targetSize = Math.max(vectorWidth, 1);
  const y = new Float64Array(n * targetSize);
  labels.forEach((label: unknown, i) => {
    if (vectorWidth === 0) y[i] = finite(label, at, 'labels', i);
    else {
      (label as unknown[]).forEach((v, j) => {
        y[i * targetSize + j] = finite(v, at, 'labels', i, j);
      });
    }
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
  features: unknown,
  at: DataPath,
  like: Form | null,
): { x: Float64Array; n: number; inputSize: number } {
  const path = [...at, 'features'];
  if (!Array.isArray(features) || features.length === 0) {
    throw new DataError(path, 'features must be a non-empty array of rows');
  }
  const first: unknown = features[0];
  const inputSize = like ? like.inputSize : Array.isArray(first) ? first.length : 0;
  const n = features.length;
  const x = new Float64Array(n * inputSize);
  features.forEach((row: unknown, i) => {
    if (!Array.isArray(row)) throw new DataError([...path, i], 'a feature row must be an array of numbers');
    if (row.length === 0) throw new DataError([...path, i], `row ${i} is empty`);
    if (row.length !== inputSize) {
      const expected = like ? `the training rows have length ${inputSize}` : `row 0 has length ${inputSize}`;
      throw new DataError([...path, i], `row ${i} has length ${row.length}, but ${expected}`);
    }
    row.forEach((v: unknown, j) => {
      x[i * inputSize + j] = finite(v, at, 'features', i, j);
    });
  });
  return { x, n, inputSize };
}

/** Checks that labels are all numbers or all vectors of one length; returns 0 for numbers, else that length. */
function labelWidth(labels: unknown[], at: DataPath, like: Form | null): number {
  const first = labels[0];
  const width = like ? like.vectorWidth : Array.isArray(first) ? first.length : 0;
  if (!like && Array.isArray(first) && width === 0) {
    throw new DataError([...at, 'labels', 0], 'a label vector must not be empty');
  }
  const source = like ? 'the training labels' : 'labels[0]';
  labels.forEach((label, i) => {
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

/** `v` as a number, else a DataError at [...at, key, i, j?] (the path is built only then: this runs per value). */
function finite(v: unknown, at: DataPath, key: string, i: number, j?: number): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  const shown = typeof v === 'number' ? String(v) : (JSON.stringify(v) ?? String(v));
  throw new DataError(
    j === undefined ? [...at, key, i] : [...at, key, i, j],
    `${shown} is not a finite number`,
  );
}
