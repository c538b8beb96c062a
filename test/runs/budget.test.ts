// The run budget: each limit trips on the spec that exceeds it, with the number, the message and the field to change.
import { describe, expect, it } from 'vitest';
import type { GradcheckRunSpec, ProbeRunSpec, TrainRunSpec } from '../../src/core/run-spec.ts';
import type { LayerSpec } from '../../src/core/spec.ts';
import {
  type BudgetLimits,
  checkBudget,
  DEFAULT_BUDGET,
  dataRowsOf,
  formatAmount,
} from '../../src/runs/budget.ts';

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

  it('limits gradient-check loss evaluations, full and fast', () => {
    const { training: _t, ...model } = train();
    const full: GradcheckRunSpec = { ...model, kind: 'gradcheck' };
    expect(checkBudget(full, limits({ maxGradcheckEvaluations: 181 }))).toMatchObject({
      limit: 'maxGradcheckEvaluations',
      actual: 182,
      path: ['mode'],
    });
    const fast: GradcheckRunSpec = { ...full, mode: 'fast', sampleSize: 50, directions: 5 };
    expect(checkBudget(fast, limits({ maxGradcheckEvaluations: 109 }))).toMatchObject({
      actual: 110,
      path: ['sampleSize'],
    });
    expect(checkBudget({ ...fast, directions: 80 }, limits({ maxGradcheckEvaluations: 100 }))?.path).toEqual([
      'directions',
    ]);
    // A sample larger than the network checks every parameter once.
    expect(
      checkBudget({ ...fast, sampleSize: 10_000 }, limits({ maxGradcheckEvaluations: 2 * (91 + 5) })),
    ).toBeNull();
  });

  it('probes only face the parameter and data limits', () => {
    const { training: _t, ...model } = train();
    const probe: ProbeRunSpec = { ...model, kind: 'probe' };
    expect(
      checkBudget(probe, limits({ maxWorkUnits: 0, maxTelemetryValues: 0, maxGradcheckEvaluations: 0 })),
    ).toBeNull();
  });
});
