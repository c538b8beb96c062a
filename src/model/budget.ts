// Resource budget of a run request, checked before queueing: training runs by parameters, work and telemetry;
// probes and gradient checks (which do not train) by their memory and time; every run by its data.
import {
  type DataSpec,
  DEFAULTS,
  FIELD_COUNT,
  gradcheckBatchOf,
  gradcheckEvaluations,
  gradcheckFootprint,
  layoutOf,
  macsPerSample,
  plannedSteps,
  probeBatchOf,
  probeFootprint,
  type RunSpec,
  recordedStepCounts,
  recordingPlan,
} from '../core/index.ts';

export interface BudgetLimits {
  /** Training runs: Σ over layers of in·out (+ out with bias). */
  maxParameters: number;
  /** Training runs: steps × batch × parameters. */
  maxWorkUnits: number;
  /** Samples × features of the data (test set included). */
  maxDataValues: number;
  /** Training runs: recorded steps × layers × 18 statistics, plus histogram steps × layers × (bins + 2). */
  maxTelemetryValues: number;
  /**
   * Gradient checks: loss evaluations, 2 × parameters (full) or 2 × (sampleSize + directions) (fast), plus at
   * most 1 + 2 × 20 × 9 for the ε scan of a check that does not pass.
   */
  maxGradcheckEvaluations: number;
  /** Probes and gradient checks: bytes of the float64 buffers they hold at once (parameters, gradient, batch). */
  maxCheckMemoryBytes: number;
  /**
   * Probes and gradient checks: multiply-adds, batch × Σ in·out × passes (a forward and backward pass counts 3,
   * each loss evaluation of a gradient check 1).
   */
  maxCheckWork: number;
}

export const DEFAULT_BUDGET: Readonly<BudgetLimits> = Object.freeze({
  maxParameters: 2_000_000,
  maxWorkUnits: 5e12,
  maxDataValues: 5_000_000,
  maxTelemetryValues: 100_000_000,
  maxGradcheckEvaluations: 200_000,
  // 512 MiB: a quarter of a worker's default memory (WORKER_MAX_MEMORY_MB), leaving room for the stored copy.
  maxCheckMemoryBytes: 512 * 2 ** 20,
  // About 50 s of one worker's CPU: bench:probes measured ≈ 2e9 multiply-adds per CPU second (BENCHMARKS.md).
  maxCheckWork: 1e11,
});

/** Said in every probe and gradient-check 422, whose limits differ from a training run's. */
const CHECK_BUDGET_NOTE =
  'probes and gradient checks do not train: their budget is sized by memory and time, not by parameters';

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
 * The first limit `spec` exceeds, or null. Training runs: parameters, data, work, telemetry. Probes: data, memory,
 * work. Gradient checks: data, loss evaluations, memory, work. `dataRows` defaults to dataRowsOf(spec.data).
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

  const data = over(
    'maxDataValues',
    dataRows * spec.network.inputSize,
    'data size',
    'samples × features',
    spec.data.source === 'inline' ? ['data', 'features'] : ['data', 'n'],
  );
  if (spec.kind === 'train') {
    const found =
      over('maxParameters', parameters, 'parameter count', 'Σ in·out + bias over the layers', [
        'network',
        'layers',
      ]) ?? data;
    if (found) return found;
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
  if (data) return data;

  // Probes and gradient checks: one batch, memory and time. The data rows count too (they are generated whole).
  const nTrain = trainRowsOf(spec.data, dataRows);
  const dataBytes = 8 * dataRows * (spec.network.inputSize + layout.outputSize);
  const macs = macsPerSample(layout);
  const note = (formula: string) => `${formula}; ${CHECK_BUDGET_NOTE}`;
  if (spec.kind === 'probe') {
    const batch = probeBatchOf(spec, nTrain);
    const bytes = 8 * probeFootprint(layout, batch, spec.histograms?.bins) + dataBytes;
    return (
      over(
        'maxCheckMemoryBytes',
        bytes,
        'probe memory (bytes)',
        note('8 × (4 × parameters + activations of the batch) + the data'),
        ['network', 'layers'],
      ) ??
      over('maxCheckWork', 3 * batch * macs, 'probe work', note('3 × batch × Σ in·out multiply-adds'), [
        'batchSize',
      ])
    );
  }
  const fast = spec.mode === 'fast';
  const sample = Math.min(spec.sampleSize ?? DEFAULTS.gradcheckSampleSize, parameters);
  const directions = fast ? (spec.directions ?? DEFAULTS.gradcheckDirections) : 0;
  const checked = fast ? sample : parameters;
  const evaluations = gradcheckEvaluations(checked, directions);
  const path = !fast ? ['mode'] : directions > sample ? ['directions'] : ['sampleSize'];
  const scan = 'up to 1 + 2 × 20 × 9 more for the ε scan';
  const formula = fast
    ? `2 × (sampleSize + directions), ${scan}`
    : `2 × parameters in full mode, ${scan}; mode "fast" samples them`;
  const batch = gradcheckBatchOf(spec, nTrain);
  const bytes = 8 * gradcheckFootprint(layout, batch, checked, directions) + dataBytes;
  return (
    over('maxGradcheckEvaluations', evaluations, 'gradient-check loss evaluations', formula, path) ??
    over(
      'maxCheckMemoryBytes',
      bytes,
      'gradient-check memory (bytes)',
      note('8 × (3 × parameters + activations of the batch + 9.5 per checked parameter) + the data'),
      ['network', 'layers'],
    ) ??
    over(
      'maxCheckWork',
      (3 + evaluations) * batch * macs,
      'gradient-check work',
      note('(3 + loss evaluations) × batch × Σ in·out multiply-adds'),
      fast ? path : ['mode'],
    )
  );
}

/** Values the telemetry of `steps` steps stores, counted by the training loop's own recording rule. */
function telemetryValues(spec: Extract<RunSpec, { kind: 'train' }>, steps: number, layers: number): number {
  const plan = recordingPlan(spec, steps);
  const counts = recordedStepCounts(steps, plan);
  return layers * (counts.steps * FIELD_COUNT + counts.histograms * ((plan.histograms?.bins ?? 0) + 2));
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

/** The budget of a sweep as a whole (every point also passes the run budget on its own). */
export interface SweepBudgetLimits {
  /** Σ over the points of workUnitsOf. */
  maxSweepWorkUnits: number;
  /** Σ over the points of their spec's JSON text (what the run table stores). */
  maxSweepSpecBytes: number;
}

export const DEFAULT_SWEEP_BUDGET: Readonly<SweepBudgetLimits> = Object.freeze({
  // Ten training runs at the run limit (maxWorkUnits).
  maxSweepWorkUnits: 10 * DEFAULT_BUDGET.maxWorkUnits,
  maxSweepSpecBytes: 64 * 2 ** 20,
});

/**
 * A run's work in training work units (steps × batch × parameters): a probe counts as one step of its batch, a
 * gradient check as (3 + loss evaluations) / 3 steps (a training step is a forward and a backward pass, 3 passes).
 */
export function workUnitsOf(spec: RunSpec, dataRows: number = dataRowsOf(spec.data)): number {
  const layout = layoutOf(spec.network);
  const nTrain = trainRowsOf(spec.data, dataRows);
  if (spec.kind === 'train') {
    const batch = Math.min(spec.training.batchSize ?? nTrain, nTrain);
    return plannedSteps(spec, nTrain) * batch * layout.size;
  }
  const macs = macsPerSample(layout);
  if (spec.kind === 'probe') return probeBatchOf(spec, nTrain) * macs;
  const fast = spec.mode === 'fast';
  const checked = fast ? Math.min(spec.sampleSize ?? 200, layout.size) : layout.size;
  const evaluations = gradcheckEvaluations(checked, fast ? (spec.directions ?? 10) : 0);
  return ((3 + evaluations) / 3) * gradcheckBatchOf(spec, nTrain) * macs;
}

/** The first sweep limit the points exceed together, or null; `path` is then the body field to change. */
export function checkSweepBudget(
  totals: { workUnits: number; specBytes: number },
  limits: SweepBudgetLimits = DEFAULT_SWEEP_BUDGET,
): (Omit<BudgetViolation, 'limit'> & { limit: keyof SweepBudgetLimits }) | null {
  const over = (limit: keyof SweepBudgetLimits, actual: number, what: string, formula: string) =>
    actual > limits[limit]
      ? { ...violation('maxWorkUnits', limits[limit], actual, what, formula, ['axes']), limit }
      : null;
  return (
    over(
      'maxSweepWorkUnits',
      totals.workUnits,
      'sweep work',
      'Σ over the points of steps × batch × parameters',
    ) ??
    over('maxSweepSpecBytes', totals.specBytes, 'sweep size (bytes)', 'Σ over the points of the spec as JSON')
  );
}
