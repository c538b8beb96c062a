// Run specs the service tests submit: quick ones that finish in well under a second, and slow ones to cancel.
import type { TrainRunSpec } from '../../src/core/index.ts';
export const quickTrain = (steps = 300, extra: Record<string, unknown> = {}) => ({
  kind: 'train',
  name: 'quick',
  network: {
    inputSize: 2,
    layers: [
      { units: 10, activation: 'relu' },
      { units: 5, activation: 'relu' },
      { units: 1, activation: 'sigmoid' },
    ],
    loss: 'binary_cross_entropy',
  },
  init: { weights: { scheme: 'he_normal' }, seed: 1 },
  data: { source: 'circles', n: 200, noise: 0.05, testFraction: 0.25, seed: 1 },
  training: { optimizer: { kind: 'sgd', lr: 0.05 }, steps },
  telemetry: { every: 1 },
  ...extra,
});

/** A run that takes about a minute unless cancelled (within the default compute budget). */
export const slowTrain = (name = 'slow') => ({
  kind: 'train',
  name,
  network: {
    inputSize: 2,
    layers: [
      { units: 128, activation: 'tanh' },
      { units: 128, activation: 'tanh' },
      { units: 1, activation: 'sigmoid' },
    ],
    loss: 'binary_cross_entropy',
  },
  init: { weights: { scheme: 'xavier_normal' }, seed: 1 },
  data: { source: 'xor', n: 512, seed: 1 },
  training: { optimizer: { kind: 'sgd', lr: 0.01 }, batchSize: 64, steps: 100_000 },
  telemetry: { every: 10 },
});

/**
 * A 30-61-47-3 mini-batch run whose products are split when SPLIT_PRODUCTS' cut-over is 1 (the two-thread tests):
 * relu, tanh and softmax layers, blobs data, `optimizer` as given.
 */
export const splitProductsRun = (
  steps: number,
  optimizer: TrainRunSpec['training']['optimizer'],
): TrainRunSpec => ({
  kind: 'train',
  network: {
    inputSize: 30,
    layers: [
      { units: 61, activation: 'relu' },
      { units: 47, activation: 'tanh' },
      { units: 3, activation: 'softmax' },
    ],
    loss: 'categorical_cross_entropy',
  },
  init: { weights: { scheme: 'he_normal' }, seed: 4 },
  data: { source: 'blobs', n: 200, classes: 3, features: 30, seed: 6 },
  training: { optimizer, batchSize: 64, steps, seed: 8 },
  telemetry: { every: 10 },
});

export const probe = {
  kind: 'probe',
  network: {
    inputSize: 2,
    layers: [
      { units: 4, activation: 'tanh' },
      { units: 1, activation: 'sigmoid' },
    ],
    loss: 'binary_cross_entropy',
  },
  init: { weights: { scheme: 'xavier_normal' } },
  data: { source: 'circles', n: 64 },
};

/** A small gradient check (tanh then softmax on 30 spirals points) that runs in milliseconds. */
export const spiralsGradcheck = (extra: Record<string, unknown> = {}) => ({
  kind: 'gradcheck',
  network: {
    inputSize: 2,
    layers: [
      { units: 8, activation: 'tanh' },
      { units: 3, activation: 'softmax' },
    ],
    loss: 'categorical_cross_entropy',
  },
  init: { weights: { scheme: 'normal', std: 1 }, seed: 2 },
  data: { source: 'spirals', n: 30, classes: 3 },
  ...extra,
});
