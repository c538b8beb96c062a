// The benchmark workloads W1–W3 as core training specs (same shapes as the peers in bench/peers), and D50, the
// service's 50-layer telemetry network (bench:service), for the core alone (no peer runs it).
import type { TrainRunSpec } from '../src/core/index.ts';
import { deepRun } from './lib/specs.ts';

export type WorkloadName = 'W1' | 'W2' | 'W3' | 'D50';

export const WORKLOADS: Record<
  WorkloadName,
  { title: string; spec: (steps: number, every: number) => TrainRunSpec }
> = {
  W1: {
    title: 'deep-narrow 2-(20×64 tanh)-1, sigmoid+BCE, batch 256',
    spec: (steps, every) => ({
      kind: 'train',
      network: {
        inputSize: 2,
        layers: [
          ...Array.from({ length: 20 }, () => ({ units: 64, activation: 'tanh' as const })),
          { units: 1, activation: 'sigmoid' as const },
        ],
        loss: 'binary_cross_entropy',
      },
      init: { weights: { scheme: 'xavier_normal' }, seed: 1 },
      data: { source: 'xor', n: 256, seed: 1 },
      training: { optimizer: { kind: 'sgd', lr: 0.01 }, steps },
      telemetry: { every },
    }),
  },
  W2: {
    title: 'wide 784-512-512-10 relu, softmax+CE, batch 128',
    spec: (steps, every) => ({
      kind: 'train',
      network: {
        inputSize: 784,
        layers: [
          { units: 512, activation: 'relu' },
          { units: 512, activation: 'relu' },
          { units: 10, activation: 'softmax' },
        ],
        loss: 'categorical_cross_entropy',
      },
      init: { weights: { scheme: 'he_normal' }, seed: 1 },
      data: { source: 'blobs', n: 128, classes: 10, features: 784, seed: 1 },
      training: { optimizer: { kind: 'sgd', lr: 0.01 }, steps },
      telemetry: { every },
    }),
  },
  W3: {
    title: 'course 2-10-5-1 relu,relu,sigmoid, full batch 300',
    spec: (steps, every) => ({
      kind: 'train',
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
      data: { source: 'circles', n: 300, seed: 1 },
      training: { optimizer: { kind: 'sgd', lr: 0.01 }, steps },
      telemetry: { every },
    }),
  },
  D50: {
    title: "bench:service's telemetry net 2-(49×16 tanh)-1, sigmoid+BCE, mini-batches of 64",
    spec: (steps, every) => {
      const { name: _, ...spec } = deepRun('D50', steps, every);
      return spec as TrainRunSpec;
    },
  },
};

/** Floating-point operations of one training step: forward, dW and dX (none for the input layer). */
export function flopsPerStep(spec: TrainRunSpec, batch: number): number {
  let fanIn = spec.network.inputSize;
  let macs = 0;
  spec.network.layers.forEach((l, i) => {
    macs += fanIn * l.units * (i === 0 ? 2 : 3);
    fanIn = l.units;
  });
  return 2 * macs * batch;
}
