// Training, probing and gradcheck jobs end to end in the core: the course's exercise, deep nets, determinism.
import { describe, expect, it } from 'vitest';
import { weightsFromJson, weightsToJson } from '../../src/core/export.ts';
import { runGradcheck } from '../../src/core/gradcheck-run.ts';
import { runProbe } from '../../src/core/probe.ts';
import {
  hasHistograms,
  isRecordedStep,
  recordedStepCounts,
  recordingPlan,
} from '../../src/core/recording.ts';
import type { TrainRunSpec } from '../../src/core/run-spec.ts';
import type { InitScheme, NetworkSpec } from '../../src/core/spec.ts';
import { FIELD, FIELD_COUNT } from '../../src/core/stats.ts';
import { runTraining, type StepRecord } from '../../src/core/train.ts';
import { circlesData } from '../helpers/circles.ts';

const course: NetworkSpec = {
  inputSize: 2,
  layers: [
    { units: 10, activation: 'relu' },
    { units: 5, activation: 'relu' },
    { units: 1, activation: 'sigmoid' },
  ],
  loss: 'binary_cross_entropy',
};

function courseRun(weights: InitScheme): TrainRunSpec {
  return {
    kind: 'train',
    network: course,
    init: { weights, seed: 3 },
    data: circlesData(),
    training: { optimizer: { kind: 'sgd', lr: 0.01 }, steps: 15_000 },
    telemetry: { every: 500 },
  };
}

describe("the course's initialization exercise on circles.json", () => {
  const zeros = runTraining(courseRun({ scheme: 'zeros' }));
  const big = runTraining(courseRun({ scheme: 'normal', std: 10 }));
  const he = runTraining(courseRun({ scheme: 'he_normal' }));

  it('zeros stays at cost 0.6931 and accuracy 0.5, diagnosed as no signal', () => {
    expect(zeros.status).toBe('succeeded');
    expect(zeros.final.loss).toBeCloseTo(Math.log(2), 4);
    expect(zeros.final.trainAccuracy).toBe(0.5);
    expect(zeros.final.testAccuracy).toBe(0.5);
    expect(zeros.diagnosis!.verdict).toBe('no_signal');
    expect(zeros.diagnosis!.message).toMatch(
      /gradient RMS \(∂loss\/∂Z\) is exactly zero in every hidden layer/,
    );
  });

  it('randn×10 starts at a huge finite cost, runs to the end, and ends clearly below He', () => {
    expect(big.status).toBe('succeeded');
    expect(big.diagnosis!.atInit?.verdict).toBe('exploding');
    expect(big.final.trainAccuracy!).toBeLessThan(he.final.trainAccuracy! - 0.1);
  });

  it('He reaches ≥ 0.97 train and ≥ 0.93 test accuracy', () => {
    expect(he.status).toBe('succeeded');
    expect(he.final.trainAccuracy!).toBeGreaterThanOrEqual(0.97);
    expect(he.final.testAccuracy!).toBeGreaterThanOrEqual(0.93);
    expect(he.diagnosis!.verdict).toBe('healthy');
  });
});

describe('a 30-layer ReLU network at initialization', () => {
  const deep = (weights: InitScheme) =>
    runProbe({
      kind: 'probe',
      network: {
        inputSize: 100,
        layers: [
          ...Array.from({ length: 29 }, () => ({ units: 100, activation: 'relu' as const })),
          { units: 1, activation: 'sigmoid' as const },
        ],
        loss: 'binary_cross_entropy',
      },
      init: { weights, seed: 1 },
      data: { source: 'blobs', n: 256, classes: 2, features: 100, seed: 5 },
    });
  const std = (layers: Float64Array, l: number) => layers[l * FIELD_COUNT + FIELD.preactStd];

  it('Xavier: the signal shrinks by orders of magnitude and the diagnosis says vanishing', () => {
    const p = deep({ scheme: 'xavier_normal' });
    expect(std(p.layers, 28) / std(p.layers, 0)).toBeLessThan(1e-3);
    expect(p.diagnosis.verdict).toBe('vanishing');
    expect(p.diagnosis.message).toMatch(/per layer/);
  });

  it('He: the signal stays within a small factor and the diagnosis says healthy', () => {
    const p = deep({ scheme: 'he_normal' });
    const ratio = std(p.layers, 28) / std(p.layers, 0);
    expect(ratio).toBeGreaterThan(0.2);
    expect(ratio).toBeLessThan(5);
    expect(p.diagnosis.verdict).toBe('healthy');
  });
});

describe('deep linear nets diagnose exploding and vanishing', () => {
  for (const [c, verdict] of [
    [1.5, 'exploding'],
    [0.5, 'vanishing'],
    [1, 'healthy'],
  ] as const) {
    it(`W = ${c}·I over 10 layers → ${verdict}`, () => {
      const p = runProbe({
        kind: 'probe',
        network: {
          inputSize: 4,
          layers: Array.from({ length: 10 }, () => ({
            units: 4,
            activation: 'linear' as const,
            bias: false,
          })),
          loss: 'mse',
        },
        init: { weights: { scheme: 'identity', scale: c } },
        data: { source: 'linear', n: 64, features: 4, outputs: 4, seed: 2 },
      });
      expect(p.diagnosis.verdict).toBe(verdict);
    });
  }
});

describe('runTraining', () => {
  const small: TrainRunSpec = {
    kind: 'train',
    network: {
      inputSize: 2,
      layers: [
        { units: 16, activation: 'tanh' },
        { units: 3, activation: 'softmax' },
      ],
      loss: 'categorical_cross_entropy',
    },
    init: { weights: { scheme: 'xavier_uniform' }, seed: 9 },
    data: { source: 'spirals', n: 300, classes: 3, seed: 4, testFraction: 0.2 },
    training: { optimizer: { kind: 'adam', lr: 0.01 }, batchSize: 32, epochs: 5, seed: 2 },
    telemetry: { every: 5, histograms: { bins: 8, logScale: true } },
  };

  it('is bit-identical for the same spec and seeds', () => {
    const a: StepRecord[] = [];
    const b: StepRecord[] = [];
    const ra = runTraining(small, { onRecord: (r) => a.push(r) });
    const rb = runTraining(small, { onRecord: (r) => b.push(r) });
    expect(ra.finalTheta).toEqual(rb.finalTheta);
    expect(a.map((r) => r.loss)).toEqual(b.map((r) => r.loss));
    expect(a.at(-1)!.layers).toEqual(b.at(-1)!.layers);
    const other = runTraining({ ...small, training: { ...small.training, seed: 3 } });
    expect(other.finalTheta).not.toEqual(ra.finalTheta);
  });

  it('runs epochs × batches per epoch steps, records every `every` and the last, with histograms', () => {
    const records: StepRecord[] = [];
    const out = runTraining(small, { onRecord: (r) => records.push(r) });
    expect(out.totalSteps).toBe(5 * Math.ceil(240 / 32));
    expect(records.map((r) => r.step)).toEqual([...Array.from({ length: 8 }, (_, i) => i * 5), 39]);
    expect(records[0].histograms).toHaveLength(2 * 10);
    const counts = records[0].histograms!.subarray(2, 10).reduce((s, v) => s + v, 0);
    expect(counts).toBe(2 * 16);
    expect(records[0].trainAccuracy).not.toBeNull();
    expect(out.final.testAccuracy).not.toBeNull();
    expect(records.at(-1)!.loss).toBeLessThan(records[0].loss);
    expect(records[1].layers[FIELD.updateRatio]).toBeGreaterThan(0);
  });

  it('records exactly the steps isRecordedStep selects, with histograms where hasHistograms says', () => {
    const spec = { ...small, telemetry: { every: 3, histograms: { bins: 8, every: 4 } } };
    const records: StepRecord[] = [];
    const out = runTraining(spec, { onRecord: (r) => records.push(r) });
    const plan = recordingPlan(spec, out.totalSteps);
    const steps = Array.from({ length: out.totalSteps }, (_, i) => i);
    const recorded = steps.filter((i) => isRecordedStep(i, out.totalSteps, plan.every));
    expect(records.map((r) => r.step)).toEqual(recorded);
    expect(records.filter((r) => r.histograms).map((r) => r.step)).toEqual(
      recorded.filter((i) => hasHistograms(i, plan)),
    );
    expect(recordedStepCounts(out.totalSteps, plan)).toEqual({
      steps: records.length,
      histograms: records.filter((r) => r.histograms).length,
    });
  });

  it('recordedStepCounts counts what the rules select, for every combination of every, histogram every and steps', () => {
    for (const totalSteps of [1, 2, 7, 12, 60]) {
      for (const every of [1, 2, 5, 7]) {
        for (const hEvery of [1, 3, 4, 10]) {
          const plan = recordingPlan(
            { ...small, telemetry: { every, histograms: { every: hEvery } } },
            totalSteps,
          );
          const recorded = Array.from({ length: totalSteps }, (_, i) => i).filter((i) =>
            isRecordedStep(i, totalSteps, every),
          );
          const histograms = recorded.filter((i) => hasHistograms(i, plan)).length;
          expect(recordedStepCounts(totalSteps, plan), `${totalSteps} ${every} ${hEvery}`).toEqual({
            steps: recorded.length,
            histograms,
          });
        }
      }
    }
  });

  it('fills the defaults: every 1, 32 bins on a linear scale every recorded step, about 200 evaluations', () => {
    const plan = recordingPlan({ ...small, telemetry: { histograms: {} } }, 10_000);
    expect(plan).toEqual({ every: 1, evalEvery: 50, histograms: { bins: 32, logScale: false, every: 1 } });
    expect(recordingPlan({ ...small, telemetry: undefined }, 10).histograms).toBeNull();
    // Histograms follow the recording interval unless they have their own.
    expect(recordingPlan({ ...small, telemetry: { every: 5, histograms: {} } }, 10).histograms?.every).toBe(
      5,
    );
  });

  it.each(['sgd', 'momentum', 'rmsprop', 'adam'] as const)('%s lowers the loss', (kind) => {
    const out = runTraining({
      ...small,
      training: { optimizer: { kind, lr: kind === 'sgd' || kind === 'momentum' ? 0.1 : 0.01 }, steps: 200 },
    });
    const first = runTraining({ ...small, training: { optimizer: { kind: 'sgd', lr: 0 }, steps: 1 } });
    expect(out.final.loss).toBeLessThan(first.final.loss);
  });

  it('stops as cancelled between steps', () => {
    let seen = 0;
    const out = runTraining(small, { onRecord: () => seen++, shouldStop: () => seen >= 2 });
    expect(out.status).toBe('cancelled');
    expect(out.stepsCompleted).toBe(6);
  });

  it('stops as diverged naming the step and layer, and clipping by norm prevents it', () => {
    const exploding: TrainRunSpec = {
      kind: 'train',
      network: {
        inputSize: 4,
        layers: [
          ...Array.from({ length: 6 }, () => ({ units: 8, activation: 'linear' as const })),
          { units: 1, activation: 'linear' as const },
        ],
        loss: 'mse',
      },
      init: { weights: { scheme: 'normal', std: 1.5 }, seed: 1 },
      data: { source: 'linear', n: 64, features: 4, seed: 1 },
      training: { optimizer: { kind: 'sgd', lr: 0.5 }, steps: 500 },
      telemetry: { every: 50 },
    };
    const out = runTraining(exploding);
    expect(out.status).toBe('diverged');
    expect(out.divergence!.step).toBeGreaterThan(0);
    expect(out.divergence!.message).toMatch(/diverged at step \d+/);
    expect(out.divergence!.message).toMatch(/layer \d+/);
    expect(out.diagnosis!.verdict).toBe('exploding');
    const clipped = runTraining({ ...exploding, training: { ...exploding.training, clip: { maxNorm: 1 } } });
    expect(clipped.status).toBe('succeeded');
  });

  it('LSUV brings every layer’s pre-activation variance to ≈ 1', () => {
    const out = runProbe({
      kind: 'probe',
      network: {
        inputSize: 20,
        layers: [
          ...Array.from({ length: 8 }, () => ({ units: 50, activation: 'tanh' as const })),
          { units: 1, activation: 'sigmoid' as const },
        ],
        loss: 'binary_cross_entropy',
      },
      init: { weights: { scheme: 'lsuv' }, seed: 2 },
      data: { source: 'blobs', n: 256, classes: 2, features: 20, seed: 1 },
    });
    expect(out.lsuv).toHaveLength(9);
    for (const r of out.lsuv!) {
      expect(r.converged).toBe(true);
      expect(Math.abs(r.variance - 1)).toBeLessThan(0.1);
    }
  });

  it('exports weights as JSON matrices that load back bit-exact', () => {
    const out = runTraining({ ...small, training: { ...small.training, epochs: 1 } });
    const json = weightsToJson(out.layout, out.finalTheta);
    expect(json[0].W).toHaveLength(16);
    expect(json[0].W[0]).toHaveLength(2);
    expect(weightsFromJson(out.layout, JSON.parse(JSON.stringify(json)))).toEqual(out.finalTheta);
  });
});

describe('runGradcheck', () => {
  it('passes for the course network in full mode and names its cost', () => {
    const out = runGradcheck({
      kind: 'gradcheck',
      network: {
        ...course,
        layers: course.layers.map((l, i) => (i < 2 ? { ...l, activation: 'tanh' as const } : l)),
      },
      init: { weights: { scheme: 'he_normal' }, seed: 1 },
      data: circlesData(),
    });
    expect(out.result.verdict).toBe('pass');
    expect(out.result.cost.checkedParameters).toBe(2 * 10 + 10 + 10 * 5 + 5 + 5 + 1);
  });
});
