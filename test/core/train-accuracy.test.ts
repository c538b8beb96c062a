// A record's trainAccuracy is the training set's accuracy at that step's θ, before its update. On a full batch it is
// counted from the step's own forward pass (train.ts trainAccuracy), else the set is forwarded again: both must give
// what a run stopped at that step reports as its final accuracy (evaluated afresh at the same θ).
import { describe, expect, it } from 'vitest';
import { runTraining, type TrainRunSpec } from '../../src/core/index.ts';

const spec = (steps: number, batchSize?: number, loss = 'binary_cross_entropy'): TrainRunSpec =>
  ({
    kind: 'train',
    network: {
      inputSize: 2,
      layers: [
        { units: 6, activation: 'tanh' },
        { units: 4, activation: 'relu' },
        loss === 'binary_cross_entropy'
          ? { units: 1, activation: 'sigmoid' }
          : { units: 2, activation: 'softmax' },
      ],
      loss,
    },
    init: { weights: { scheme: 'xavier_normal' }, seed: 5 },
    data: { source: 'xor', n: 60, seed: 2 },
    training: { optimizer: { kind: 'adam', lr: 0.1 }, steps, ...(batchSize ? { batchSize } : {}) },
    telemetry: { every: 1, evalEvery: 1 },
  }) as TrainRunSpec;

describe.each([
  ['a full batch, BCE', undefined, 'binary_cross_entropy'],
  ['a full batch, softmax and categorical cross-entropy', undefined, 'categorical_cross_entropy'],
  ['mini-batches of 20', 20, 'binary_cross_entropy'],
] as const)('trainAccuracy on %s', (_, batchSize, loss) => {
  it('equals, at every step, the final accuracy of a run stopped there (the same θ, evaluated afresh)', () => {
    const steps = 25;
    const accuracies: (number | null)[] = [];
    runTraining(spec(steps, batchSize, loss), {
      onRecord: (r) => {
        accuracies[r.step] = r.trainAccuracy;
      },
    });
    const stoppedAt = Array.from({ length: steps }, (_, s) =>
      s === 0 ? null : runTraining(spec(s, batchSize, loss)).final.trainAccuracy,
    );
    for (let s = 1; s < steps; s++) expect(accuracies[s], `step ${s}`).toBe(stoppedAt[s]);
    // The accuracy moves while it trains, so a value from the wrong step would show.
    expect(new Set(accuracies).size).toBeGreaterThan(3);
  });
});
