// Resource budget of a run request: parameters, training work, data, telemetry and gradient-check cost, checked before queueing.
import { layoutOf } from '../core/model.ts';
import type { RunSpec } from '../core/run-spec.ts';
import type { DataSpec } from '../core/spec.ts';
import { FIELD_COUNT } from '../core/stats.ts';
import { plannedSteps } from '../core/train.ts';

export interface BudgetLimits {
  /** Σ over layers of in·out (+ out with bias). */
  maxParameters: number;
  /** Training runs: steps × batch × parameters. */
  maxWorkUnits: number;
  /** Samples × features of the data (test set included). */
  maxDataValues: number;
  /** Training runs: recorded steps × layers × 18 statistics, plus histogram steps × layers × (bins + 2). */
  maxTelemetryValues: number;
  /** Gradient checks: loss evaluations, 2 × parameters (full) or 2 × (sampleSize + directions) (fast). */
  maxGradcheckEvaluations: number;
}

export const DEFAULT_BUDGET: Readonly<BudgetLimits> = Object.freeze({
  maxParameters: 2_000_000,
  maxWorkUnits: 5e12,
  maxDataValues: 5_000_000,
  maxTelemetryValues: 100_000_000,
  maxGradcheckEvaluations: 200_000,
});

export interface BudgetViolation {
  /** The limit exceeded, e.g. 'maxWorkUnits'. */
  limit: keyof BudgetLimits;
  max: number;
  actual: number;
  /** E.g. 'training work 7.3e12 exceeds the limit 5e12 (steps × batch × parameters) by 46%'. */
  message: string;
  /** The spec field to change, e.g. ['training', 'steps']. */
  path: (string | number)[];
}

/** Samples in the data: n for a generator; for inline data, the rows of features (plus those of an explicit test set). */
export function dataRowsOf(data: DataSpec): number {
  if (data.source !== 'inline') return data.n;
  return data.features.length + (data.test?.features.length ?? 0);
}

/** Training samples out of `rows`: an explicit test set is subtracted, else round(rows · testFraction) held out. */
function trainRowsOf(data: DataSpec, rows: number): number {
  const held =
    data.source === 'inline' && data.test
      ? data.test.features.length
      : Math.round(rows * (data.testFraction ?? 0));
  return Math.max(1, rows - held);
}

/**
 * The first limit `spec` exceeds, or null. Checked in order: parameters, data, then per kind training work and
 * telemetry, or gradient-check evaluations. `dataRows` defaults to dataRowsOf(spec.data).
 */
export function checkBudget(
  spec: RunSpec,
  limits: BudgetLimits = DEFAULT_BUDGET,
  dataRows: number = dataRowsOf(spec.data),
): BudgetViolation | null {
  const layout = layoutOf(spec.network);
  const parameters = layout.size;
  const layers = layout.layers.length;
  const over = (
    limit: keyof BudgetLimits,
    actual: number,
    what: string,
    formula: string,
    path: (string | number)[],
  ) => (actual > limits[limit] ? violation(limit, limits[limit], actual, what, formula, path) : null);

  const found =
    over('maxParameters', parameters, 'parameter count', 'Σ in·out + bias over the layers', [
      'network',
      'layers',
    ]) ??
    over(
      'maxDataValues',
      dataRows * spec.network.inputSize,
      'data size',
      'samples × features',
      spec.data.source === 'inline' ? ['data', 'features'] : ['data', 'n'],
    );
  if (found) return found;

  if (spec.kind === 'train') {
    const nTrain = trainRowsOf(spec.data, dataRows);
    const batch = Math.min(spec.training.batchSize ?? nTrain, nTrain);
    const steps = plannedSteps(spec, nTrain);
    const stepsPath = ['training', spec.training.epochs !== undefined ? 'epochs' : 'steps'];
    return (
      over(
        'maxWorkUnits',
        steps * batch * parameters,
        'training work',
        'steps × batch × parameters',
        stepsPath,
      ) ??
      over(
        'maxTelemetryValues',
        telemetryValues(spec, steps, layers),
        'telemetry',
        `recorded steps × layers × ${FIELD_COUNT} statistics + histogram values`,
        ['telemetry', 'every'],
      )
    );
  }
  if (spec.kind === 'gradcheck') {
    const fast = spec.mode === 'fast';
    const sample = Math.min(spec.sampleSize ?? 200, parameters);
    const directions = spec.directions ?? 10;
    const evaluations = fast ? 2 * (sample + directions) : 2 * parameters;
    const path = !fast ? ['mode'] : directions > sample ? ['directions'] : ['sampleSize'];
    const formula = fast
      ? '2 × (sampleSize + directions)'
      : '2 × parameters in full mode; mode "fast" samples them';
    return over('maxGradcheckEvaluations', evaluations, 'gradient-check loss evaluations', formula, path);
  }
  return null;
}

/** Values the telemetry of `steps` steps stores, following the training loop's recording rule. */
function telemetryValues(spec: Extract<RunSpec, { kind: 'train' }>, steps: number, layers: number): number {
  const every = spec.telemetry?.every ?? 1;
  const last = steps - 1;
  // Steps 0, every, 2·every, … below `steps`, plus the last step.
  const recorded = Math.ceil(steps / every) + (last % every !== 0 ? 1 : 0);
  let values = recorded * layers * FIELD_COUNT;
  const hist = spec.telemetry?.histograms;
  if (hist) {
    const histEvery = hist.every ?? every;
    const both = lcm(every, histEvery);
    // Recorded steps that are multiples of histEvery: multiples of lcm(every, histEvery), plus possibly the last.
    const histSteps = Math.ceil(steps / both) + (last % histEvery === 0 && last % every !== 0 ? 1 : 0);
    values += histSteps * layers * ((hist.bins ?? 32) + 2);
  }
  return values;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

function lcm(a: number, b: number): number {
  return (a / gcd(a, b)) * b;
}

/** 7.3e12, 5e12, 200000 → '2e5'; small integers as they are. */
export function formatAmount(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e5) return String(x);
  return x.toExponential(1).replace(/\.0e/, 'e').replace('e+', 'e');
}

function violation(
  limit: keyof BudgetLimits,
  max: number,
  actual: number,
  what: string,
  formula: string,
  path: (string | number)[],
): BudgetViolation {
  const ratio = actual / max;
  const pct = Math.round((ratio - 1) * 100);
  const excess = ratio >= 10 ? `${Math.floor(ratio)}-fold` : `by ${pct < 1 ? 'less than 1' : pct}%`;
  return {
    limit,
    max,
    actual,
    message: `${what} ${formatAmount(actual)} exceeds the limit ${formatAmount(max)} (${formula}) ${excess}`,
    path,
  };
}
