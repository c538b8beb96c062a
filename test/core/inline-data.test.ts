// Inline data: conversion to a Dataset, label-kind inference, and the exact path and message of each error.
import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/core/dataset.ts';
import { DataError, makeDataset } from '../../src/core/datasets.ts';
import { SpecError } from '../../src/core/errors.ts';
import type { InlineSpec } from '../../src/core/inline-data.ts';
import type { DataSpec } from '../../src/core/spec.ts';

function train(spec: DataSpec): Dataset {
  return makeDataset(spec, 1).train;
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

describe('inline data', () => {
  const inline = (rest: Partial<InlineSpec>): DataSpec => ({
    source: 'inline',
    features: [
      [0, 1],
      [1, 0],
      [2, 2],
    ],
    labels: [0, 1, 0],
    ...rest,
  });

  it('infers classification from non-negative integer labels, regression otherwise', () => {
    const data = train(inline({}));
    expect(data).toMatchObject({ n: 3, inputSize: 2, targetSize: 1, classes: 2 });
    expect([...data.x]).toEqual([0, 1, 1, 0, 2, 2]);
    expect(train(inline({ labels: [0, 4, 1] })).classes).toBe(5);
    expect(train(inline({ labels: [0, 0, 0] })).classes).toBe(2);
    expect(train(inline({ labels: [0, -1, 1] })).classes).toBe(0);
    const vectors = train(
      inline({
        labels: [
          [0.5, 1],
          [2, 3],
          [4, 5],
        ],
      }),
    );
    expect(vectors).toMatchObject({ targetSize: 2, classes: 0 });
    expect([...vectors.y]).toEqual([0.5, 1, 2, 3, 4, 5]);
  });

  it('uses an explicit test set, sharing the number of classes', () => {
    const { test } = makeDataset(inline({ test: { features: [[3, 3]], labels: [2] } }), 0);
    expect(test).toMatchObject({ n: 1, inputSize: 2, classes: 3 });
    expect(train(inline({ test: { features: [[3, 3]], labels: [2] } })).classes).toBe(3);
  });

  it.each([
    [
      'ragged rows',
      { features: [[0, 1], [1], [2, 2]] },
      ['features', 1],
      'row 1 has length 1, but row 0 has length 2',
    ],
    ['label count', { labels: [0, 1] }, ['labels'], 'got 2 labels for 3 feature rows'],
    [
      'mixed label forms',
      { labels: [0, [1], 0] as number[] },
      ['labels', 1],
      'expected a number like labels[0], got an array',
    ],
    [
      'ragged label vectors',
      { labels: [[0, 1], [1], [0, 0]] },
      ['labels', 1],
      'label vector has length 1, but labels[0] has length 2',
    ],
    [
      'test width',
      { test: { features: [[1, 2, 3]], labels: [1] } },
      ['test', 'features', 0],
      'row 0 has length 3, but the training rows have length 2',
    ],
    [
      'test label form',
      { test: { features: [[1, 2]], labels: [[1]] } },
      ['test', 'labels', 0],
      'expected a number like the training labels, got an array',
    ],
    [
      'non-integer test class',
      {
        test: {
          features: [
            [1, 2],
            [3, 4],
          ],
          labels: [1, 0.5],
        },
      },
      ['test', 'labels', 1],
      'label 0.5 is not an integer class index (the training labels are class indices)',
    ],
    [
      'test set and testFraction',
      { test: { features: [[1, 2]], labels: [1] }, testFraction: 0.5 },
      ['testFraction'],
      'give either an explicit test set or testFraction, not both',
    ],
  ] as [string, Partial<InlineSpec>, (string | number)[], string][])(
    'rejects %s with path and message',
    (_, rest, path, message) => {
      expect(dataError(() => makeDataset(inline(rest), 0))).toEqual({ path, message });
    },
  );
});
