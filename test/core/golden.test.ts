// The core against PyTorch float64 (test/fixtures/torch-golden.json, written by scripts/fixtures/torch-golden.py):
// outputs, loss and every dW/db for networks covering every activation and loss, and 5 steps of each optimizer,
// with clipping, from fixed weights. An independent reference: the gradient check only proves backward matches
// forward as written; this proves forward (and the update rules) match PyTorch's.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateBatch } from '../../src/core/evaluate-batch.ts';
import { type LayerWeights, weightsToJson } from '../../src/core/export.ts';
import type { TrainRunSpec } from '../../src/core/run-spec.ts';
import { ACTIVATIONS, LOSSES, type NetworkSpec, type TrainSpec } from '../../src/core/spec.ts';
import { runTraining } from '../../src/core/train.ts';
import { maxRelativeDifference } from '../helpers/relative.ts';

interface Case {
  name: string;
  network: NetworkSpec;
  weights: LayerWeights[];
  features: number[][];
  labels: number[] | number[][];
  expected: { outputs: number[][]; loss: number; gradients: { dW: number[][]; db: number[] | null }[] };
}
interface Training {
  case: string;
  training: TrainSpec & { steps: number };
  losses: number[];
  weights: LayerWeights[];
}
const fixture: { generated_with: string; cases: Case[]; training: Training[] } = JSON.parse(
  readFileSync(new URL('../fixtures/torch-golden.json', import.meta.url), 'utf8'),
);
const TOLERANCE = 1e-12;

describe(`forward, loss and gradients match PyTorch float64 (${fixture.generated_with})`, () => {
  it('the cases cover every activation and every loss', () => {
    const used = (f: (n: NetworkSpec) => string[]) => new Set(fixture.cases.flatMap((c) => f(c.network)));
    expect(used((n) => n.layers.map((l) => l.activation))).toEqual(new Set(ACTIVATIONS));
    expect(used((n) => [n.loss])).toEqual(new Set(LOSSES));
  });

  it.each(fixture.cases)('$name', ({ network, weights, features, labels, expected }) => {
    const got = evaluateBatch(network, weights, features, labels);
    expect(maxRelativeDifference(got.outputs, expected.outputs)).toBeLessThanOrEqual(TOLERANCE);
    expect(maxRelativeDifference(got.loss, expected.loss)).toBeLessThanOrEqual(TOLERANCE);
    expected.gradients.forEach(({ dW, db }, l) => {
      expect(maxRelativeDifference(got.gradients[l].dW, dW), `dW of layer ${l}`).toBeLessThanOrEqual(
        TOLERANCE,
      );
      expect(got.gradients[l].db === null).toBe(db === null);
      expect(maxRelativeDifference(got.gradients[l].db, db), `db of layer ${l}`).toBeLessThanOrEqual(
        TOLERANCE,
      );
    });
  });
});

/** The fixture's start as a train spec: explicit W and b per layer, the case's data, full batch. */
function trainSpec(c: Case, training: TrainSpec): TrainRunSpec {
  return {
    kind: 'train',
    network: c.network,
    init: {
      weights: { scheme: 'zeros' },
      overrides: c.weights.map(({ W, b }, layer) => ({
        layer,
        weights: { scheme: 'matrix' as const, values: W },
        ...(b ? { bias: { scheme: 'vector' as const, values: b } } : {}),
      })),
    },
    data: { source: 'inline', features: c.features, labels: c.labels },
    training,
    telemetry: { every: 1 },
  };
}

function train(spec: TrainRunSpec) {
  const losses: number[] = [];
  const out = runTraining(spec, { onRecord: (r) => losses.push(r.loss) });
  return { losses, weights: weightsToJson(out.layout, out.finalTheta) };
}

const label = (t: Training) =>
  `${t.training.optimizer.kind} ${JSON.stringify(t.training.optimizer)}${t.training.clip ? ` clip ${JSON.stringify(t.training.clip)}` : ''} on ${t.case}`;

describe('5 optimizer steps from fixed weights match torch.optim', () => {
  const caseOf = (name: string) => fixture.cases.find((c) => c.name === name)!;

  it('the runs cover SGD, momentum (and Nesterov), RMSprop, Adam, clipping by value and by norm', () => {
    const kinds = new Set(fixture.training.map((t) => t.training.optimizer.kind));
    expect(kinds).toEqual(new Set(['sgd', 'momentum', 'rmsprop', 'adam']));
    expect(
      fixture.training.some((t) => t.training.optimizer.kind === 'momentum' && t.training.optimizer.nesterov),
    ).toBe(true);
    expect(fixture.training.some((t) => t.training.clip?.maxValue !== undefined)).toBe(true);
    expect(fixture.training.some((t) => t.training.clip?.maxNorm !== undefined)).toBe(true);
  });

  it.each(fixture.training.map((t) => [label(t), t] as const))('%s', (_, t) => {
    const got = train(trainSpec(caseOf(t.case), t.training));
    expect(got.losses).toHaveLength(t.losses.length);
    expect(maxRelativeDifference(got.losses, t.losses)).toBeLessThanOrEqual(TOLERANCE);
    t.weights.forEach(({ W, b }, l) => {
      expect(maxRelativeDifference(got.weights[l].W, W), `W of layer ${l}`).toBeLessThanOrEqual(TOLERANCE);
      expect(maxRelativeDifference(got.weights[l].b, b), `b of layer ${l}`).toBeLessThanOrEqual(TOLERANCE);
    });
  });

  it.each(fixture.training.filter((t) => t.training.clip).map((t) => [label(t), t] as const))(
    'the clipping in %s changes the result (so the match above tests it)',
    (_, t) => {
      const { clip: _clip, ...unclipped } = t.training;
      const got = train(trainSpec(caseOf(t.case), unclipped));
      expect(
        maxRelativeDifference(
          got.weights.map((w) => w.W),
          t.weights.map((w) => w.W),
        ),
      ).toBeGreaterThan(1e-6);
    },
  );
});
