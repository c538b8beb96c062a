// The run budget: each limit trips on the spec that exceeds it, with the number, the message and the field to change.
import { describe, expect, it } from 'vitest';
import { runGradcheck } from '../../src/core/gradcheck-run.ts';
import type { GradcheckRunSpec, ProbeRunSpec, TrainRunSpec } from '../../src/core/run-spec.ts';
import type { LayerSpec } from '../../src/core/spec.ts';
import {
  type BudgetLimits,
  checkBudget,
  DEFAULT_BUDGET,
  dataRowsOf,
  formatAmount,
} from '../../src/model/budget.ts';

/** Dense layers of the given widths, relu then a sigmoid output. */
function layers(...units: number[]): LayerSpec[] {
  return units.map((u, i) => ({ units: u, activation: i === units.length - 1 ? 'sigmoid' : 'relu' }));
}

function train(overrides: Partial<TrainRunSpec> = {}): TrainRunSpec {
  return {
    kind: 'train',
    network: { inputSize: 2, layers: layers(10, 5, 1), loss: 'binary_cross_entropy' },
    init: { weights: { scheme: 'he_normal' } },
    data: { source: 'circles', n: 400, testFraction: 0.25 },
    training: { optimizer: { kind: 'sgd', lr: 0.01 }, steps: 15000 },
    ...overrides,
  };
}

const limits = (l: Partial<BudgetLimits>): BudgetLimits => ({ ...DEFAULT_BUDGET, ...l });

describe('checkBudget', () => {
  it('passes the course experiment with the default limits', () => {
    expect(checkBudget(train())).toBeNull();
  });

  it('counts parameters as Σ in·out + bias', () => {
    // [2, 10, 5, 1]: 2·10 + 10 + 10·5 + 5 + 5·1 + 1 = 91.
    expect(checkBudget(train(), limits({ maxParameters: 91 }))).toBeNull();
    const v = checkBudget(train(), limits({ maxParameters: 90 }));
    expect(v).toMatchObject({ limit: 'maxParameters', max: 90, actual: 91, path: ['network', 'layers'] });
    expect(v!.message).toBe(
      'parameter count 91 exceeds the limit 90 (Σ in·out + bias over the layers) by 1%',
    );
    const noBias = train({
      network: {
        inputSize: 2,
        layers: layers(10, 5, 1).map((l) => ({ ...l, bias: false })),
        loss: 'binary_cross_entropy',
      },
    });
    expect(checkBudget(noBias, limits({ maxParameters: 75 }))).toBeNull();
  });

  it('rejects a 2.1M-parameter network by default', () => {
    const wide = train({
      network: { inputSize: 1024, layers: layers(2048, 1), loss: 'binary_cross_entropy' },
    });
    expect(checkBudget(wide, DEFAULT_BUDGET, 10)).toMatchObject({
      limit: 'maxParameters',
      actual: 1024 * 2048 + 2048 + 2049,
    });
  });

  it('measures training work as steps × batch × parameters, with the example message', () => {
    // 300 training rows (400 − 25%), full batch, 91 parameters.
    const work = 15000 * 300 * 91;
    expect(checkBudget(train(), limits({ maxWorkUnits: work }))).toBeNull();
    const v = checkBudget(train(), limits({ maxWorkUnits: work / 1.46 }));
    expect(v).toMatchObject({ limit: 'maxWorkUnits', actual: work, path: ['training', 'steps'] });
    expect(v!.message).toBe(
      `training work 4.1e8 exceeds the limit 2.8e8 (steps × batch × parameters) by 46%`,
    );
    // Mini-batches and epochs: 3 epochs of ⌈300/64⌉ = 5 batches of 64.
    const epochs = train({ training: { optimizer: { kind: 'sgd', lr: 0.1 }, epochs: 3, batchSize: 64 } });
    const v2 = checkBudget(epochs, limits({ maxWorkUnits: 1 }));
    expect(v2).toMatchObject({ actual: 15 * 64 * 91, path: ['training', 'epochs'] });
    expect(v2!.message).toMatch(/-fold$/);
  });

  it('words the default limit as documented', () => {
    // 1000 parameters (1→500→1 without bias), full batch of 7300, 1e6 steps: 7.3e12 work units.
    const net = {
      inputSize: 1,
      layers: layers(500, 1).map((l) => ({ ...l, bias: false })),
      loss: 'binary_cross_entropy' as const,
    };
    const spec = train({
      network: net,
      data: { source: 'xor', n: 7300 },
      training: { optimizer: { kind: 'sgd', lr: 0.1 }, steps: 1_000_000 },
    });
    expect(checkBudget(spec)?.message).toBe(
      'training work 7.3e12 exceeds the limit 5e12 (steps × batch × parameters) by 46%',
    );
  });

  it("formats the brief's figures", () => {
    expect(formatAmount(7.3e12)).toBe('7.3e12');
    expect(formatAmount(5e12)).toBe('5e12');
    expect(formatAmount(200_000)).toBe('2e5');
    expect(formatAmount(91)).toBe('91');
  });

  it('limits data values (samples × features), generated or inline', () => {
    const big = train({
      data: { source: 'blobs', n: 1_000_000, features: 8 },
      network: { inputSize: 8, layers: layers(1), loss: 'binary_cross_entropy' },
    });
    expect(checkBudget(big)).toMatchObject({
      limit: 'maxDataValues',
      actual: 8_000_000,
      path: ['data', 'n'],
    });
    const inline = train({
      data: {
        source: 'inline',
        features: [
          [0, 1],
          [1, 0],
          [1, 1],
        ],
        labels: [1, 1, 0],
        test: { features: [[0, 0]], labels: [0] },
      },
    });
    expect(dataRowsOf(inline.data)).toBe(4);
    expect(checkBudget(inline, limits({ maxDataValues: 7 }))).toMatchObject({
      actual: 8,
      path: ['data', 'features'],
    });
    // The caller's row count wins (e.g. after loading the data).
    expect(checkBudget(inline, limits({ maxDataValues: 7 }), 3)).toBeNull();
  });

  it('limits telemetry: recorded steps × layers × 18, plus histograms', () => {
    // 15000 steps, every 100 ⇒ steps 0, 100, …, 14900 and the last, 14999: 151 records of 3 layers.
    const spec = train({ telemetry: { every: 100 } });
    const values = 151 * 3 * 18;
    expect(checkBudget(spec, limits({ maxTelemetryValues: values }))).toBeNull();
    expect(checkBudget(spec, limits({ maxTelemetryValues: values - 1 }))).toMatchObject({
      limit: 'maxTelemetryValues',
      actual: values,
      path: ['telemetry', 'every'],
    });
    // Histograms every 1000 steps on recorded steps: 0, 1000, …, 14000 ⇒ 15 × 3 layers × (32 + 2).
    const hist = train({ telemetry: { every: 100, histograms: { every: 1000 } } });
    expect(checkBudget(hist, limits({ maxTelemetryValues: 1 }))?.actual).toBe(values + 15 * 3 * 34);
    // Every step recorded by default.
    expect(checkBudget(train(), limits({ maxTelemetryValues: 1 }))?.actual).toBe(15000 * 3 * 18);
  });

  it('limits gradient-check loss evaluations, full and fast, ε scan included', () => {
    const { training: _t, ...model } = train();
    // 2 per parameter, then at most 1 + 2 × 20 worst parameters × 9 ε if the check does not pass.
    const scan = 1 + 2 * 20 * 9;
    const full: GradcheckRunSpec = { ...model, kind: 'gradcheck' };
    expect(checkBudget(full, limits({ maxGradcheckEvaluations: 182 + scan - 1 }))).toMatchObject({
      limit: 'maxGradcheckEvaluations',
      actual: 182 + scan,
      path: ['mode'],
    });
    const fast: GradcheckRunSpec = { ...full, mode: 'fast', sampleSize: 50, directions: 5 };
    expect(checkBudget(fast, limits({ maxGradcheckEvaluations: 110 + scan - 1 }))).toMatchObject({
      actual: 110 + scan,
      path: ['sampleSize'],
    });
    expect(checkBudget({ ...fast, directions: 80 }, limits({ maxGradcheckEvaluations: 100 }))?.path).toEqual([
      'directions',
    ]);
    // A sample larger than the network checks every parameter once.
    expect(
      checkBudget({ ...fast, sampleSize: 10_000 }, limits({ maxGradcheckEvaluations: 2 * (91 + 5) + scan })),
    ).toBeNull();
    // The scan of a tiny network scans what it has: 3 parameters.
    const tiny: GradcheckRunSpec = {
      ...full,
      network: { inputSize: 2, layers: [{ units: 1, activation: 'sigmoid' }], loss: 'binary_cross_entropy' },
    };
    expect(checkBudget(tiny, limits({ maxGradcheckEvaluations: 0 }))?.actual).toBe(6 + 1 + 2 * 3 * 9);
  });

  it('counts a default fast gradient check as the core runs it (the same defaults: 200 parameters, 10 directions)', () => {
    const { training: _t, ...model } = train({
      network: { inputSize: 2, layers: layers(30, 10, 1), loss: 'binary_cross_entropy' },
    });
    const fast: GradcheckRunSpec = { ...model, kind: 'gradcheck', mode: 'fast' };
    const { cost } = runGradcheck(fast).result;
    expect(cost).toMatchObject({ parameters: 411, checkedParameters: 200, directions: 10 });
    const scan = 1 + 2 * 20 * 9;
    expect(checkBudget(fast, limits({ maxGradcheckEvaluations: 0 }))?.actual).toBe(
      2 * (cost.checkedParameters + cost.directions) + scan,
    );
  });

  it('probes and gradient checks skip the training limits', () => {
    const { training: _t, ...model } = train();
    const probe: ProbeRunSpec = { ...model, kind: 'probe' };
    const training = limits({ maxParameters: 1, maxWorkUnits: 0, maxTelemetryValues: 0 });
    expect(checkBudget(probe, { ...training, maxGradcheckEvaluations: 0 })).toBeNull();
    expect(checkBudget({ ...model, kind: 'gradcheck' }, training)).toBeNull();
  });

  it("accepts Glorot & Bengio's 5 × 1000 tanh probe (5.01M parameters), which a training run may not have", () => {
    const glorot = {
      inputSize: 1000,
      layers: [
        ...Array.from({ length: 5 }, () => ({ units: 1000, activation: 'tanh' as const })),
        { units: 10, activation: 'softmax' as const },
      ],
      loss: 'categorical_cross_entropy' as const,
    };
    const { training, ...model } = train({
      network: glorot,
      data: { source: 'normal', n: 256, outputs: 10, targets: 'labels' },
    });
    const probe: ProbeRunSpec = { ...model, kind: 'probe' };
    expect(checkBudget(probe)).toBeNull();
    expect(checkBudget({ ...model, kind: 'train', training })).toMatchObject({
      limit: 'maxParameters',
      actual: 5_015_010,
    });
    // A fast gradient check of it too (200 parameters + 10 directions + the ε scan) on 16 samples, not 32.
    const fast: GradcheckRunSpec = { ...model, kind: 'gradcheck', mode: 'fast' };
    expect(checkBudget({ ...fast, batchSize: 16 })).toBeNull();
    expect(checkBudget(fast)?.limit).toBe('maxCheckWork');
  });

  it('sizes probes by memory and time, and says so', () => {
    const { training: _t, ...model } = train();
    const probe: ProbeRunSpec = { ...model, kind: 'probe' };
    // 91 parameters, batch 256 (the default, below the 300 training rows): 4·91 + workspace 3·256·16 + 256·10
    // + histograms 2·3·34, plus 400 samples × (2 features + 1 target) of data.
    const bytes = 8 * (4 * 91 + 3 * 256 * 16 + 256 * 10 + 2 * 3 * 34) + 8 * 400 * 3;
    expect(checkBudget(probe, limits({ maxCheckMemoryBytes: bytes }))).toBeNull();
    const m = checkBudget(probe, limits({ maxCheckMemoryBytes: bytes - 1 }));
    expect(m).toMatchObject({ limit: 'maxCheckMemoryBytes', actual: bytes, path: ['network', 'layers'] });
    expect(m!.message).toContain(
      'probes and gradient checks do not train: their budget is sized by memory and time',
    );
    // One forward and backward pass: 3 × 256 × (2·10 + 10·5 + 5·1) multiply-adds.
    const work = 3 * 256 * 75;
    expect(checkBudget(probe, limits({ maxCheckWork: work }))).toBeNull();
    const w = checkBudget(probe, limits({ maxCheckWork: work - 1 }));
    expect(w).toMatchObject({ limit: 'maxCheckWork', actual: work, path: ['batchSize'] });
    expect(w!.message).toBe(
      `probe work 57600 exceeds the limit 57599 (3 × batch × Σ in·out multiply-adds; probes and gradient checks ` +
        'do not train: their budget is sized by memory and time, not by parameters) by less than 1%',
    );
  });

  it('sizes gradient checks by memory and time', () => {
    const { training: _t, ...model } = train();
    const full: GradcheckRunSpec = { ...model, kind: 'gradcheck' };
    // Full mode: 182 loss evaluations + the ε scan's 361 + a backprop, batch 32.
    const work = (3 + 182 + 361) * 32 * 75;
    expect(checkBudget(full, limits({ maxCheckWork: work }))).toBeNull();
    expect(checkBudget(full, limits({ maxCheckWork: work - 1 }))).toMatchObject({
      limit: 'maxCheckWork',
      actual: work,
      path: ['mode'],
    });
    const fast: GradcheckRunSpec = { ...full, mode: 'fast', sampleSize: 50, directions: 5 };
    expect(checkBudget(fast, limits({ maxCheckWork: 1 }))).toMatchObject({
      actual: (3 + 110 + 361) * 32 * 75,
      path: ['sampleSize'],
    });
    expect(checkBudget(fast, limits({ maxCheckMemoryBytes: 1 }))).toMatchObject({
      limit: 'maxCheckMemoryBytes',
      path: ['network', 'layers'],
    });
  });
});
