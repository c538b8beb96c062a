// Run specs of the service benchmarks (the test helpers' quick and slow runs, plus these).
export { quickTrain, slowTrain } from '../../test/helpers/specs.ts';

const circles = { source: 'circles', n: 300, noise: 0.05, testFraction: 0.25, seed: 1 };

/**
 * The course network 2-10-5-1 (relu, relu, sigmoid), full batch over `n` circles points (¾ for
 * training), statistics every `every` steps. n sets the step rate: ~6,000 steps/s at 300 points.
 */
export const courseRun = (name: string, steps: number, every = 1, n = 300) => ({
  kind: 'train',
  name,
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
  data: { ...circles, n },
  training: { optimizer: { kind: 'sgd', lr: 0.01 }, steps },
  telemetry: { every },
});

/**
 * 50 tanh layers of width 16 (then a sigmoid unit), batch 64: the deep network. Accuracy is
 * evaluated on the same steps whatever `every` is, so every=1 vs every=1000 isolates the statistics.
 */
export const deepRun = (name: string, steps: number, every: number) => ({
  kind: 'train',
  name,
  network: {
    inputSize: 2,
    layers: [
      ...Array.from({ length: 49 }, () => ({ units: 16, activation: 'tanh' })),
      { units: 1, activation: 'sigmoid' },
    ],
    loss: 'binary_cross_entropy',
  },
  init: { weights: { scheme: 'xavier_normal' }, seed: 1 },
  data: circles,
  training: { optimizer: { kind: 'sgd', lr: 0.01 }, batchSize: 64, steps },
  telemetry: { every, evalEvery: 1000 },
});

/** A one-step train spec whose inline data (two full-precision features per sample) fills about `bytes`. */
export function inlineRunBody(bytes: number): string {
  const r = (i: number) => Math.sin(i * 12.9898) * 0.12345678901234568;
  const body = (n: number) =>
    JSON.stringify({
      kind: 'train',
      name: 'inline-data',
      network: { inputSize: 2, layers: [{ units: 1, activation: 'sigmoid' }], loss: 'binary_cross_entropy' },
      init: { weights: { scheme: 'xavier_normal' }, seed: 1 },
      data: {
        source: 'inline',
        features: Array.from({ length: n }, (_, i) => [r(2 * i), r(2 * i + 1)]),
        labels: Array.from({ length: n }, (_, i) => i % 2),
      },
      training: { optimizer: { kind: 'sgd', lr: 0.01 }, steps: 1 },
    });
  const perSample = body(1001).length - body(1000).length;
  return body(Math.max(1, Math.floor((bytes - body(0).length) / perSample)));
}
