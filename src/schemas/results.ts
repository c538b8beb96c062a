// Schemas of what a finished run reports (train summary, diagnosis, gradient check, probe), and the one function
// that shapes each from the core's outcome.
import { z } from 'zod';
import {
  type Diagnosis,
  FIELD_COUNT,
  type GradCheckResult,
  type GradcheckOutcome,
  LAYER_FIELDS,
  type LsuvLayerReport,
  type ProbeOutcome,
  type RunDiagnosis,
  type SignalTrend,
  type Spectrum,
  type TrainOutcome,
} from '../core/index.ts';
import { type Check, type Full, JsonNumber, type JsonOf, nullIfNotFinite } from './common.ts';
import { AdviceSchema, adviceJson } from './theory.ts';

const VerdictSchema = z
  .enum(['healthy', 'mild_vanishing', 'mild_exploding', 'vanishing', 'exploding', 'no_signal', 'too_shallow'])
  .describe(
    'From the fitted change over the hidden layers: healthy under 0.5 decade (×3.2); vanishing/exploding from 1 ' +
      'decade (×10), or from 0.5 decade at ≥ 0.2 decade (×1.6) per layer over ≥ 3 hidden layers; mild_vanishing/' +
      'mild_exploding in between. no_signal: exactly zero in every hidden layer; too_shallow: fewer than 2 hidden ' +
      'layers. Non-finite values are exploding.',
  );

const SignalTrendSchema = z
  .object({
    signal: z
      .enum(['forward', 'backward'])
      .describe('forward: pre-activation std; backward: RMS of ∂loss/∂Z.'),
    from: z.int().describe('First hidden layer the signal reaches (1-based): 1 forward, L−1 backward.'),
    to: z.int().describe('Last hidden layer reached: L−1 forward, 1 backward (or where the signal died).'),
    decadesPerLayer: JsonNumber.describe(
      'Theil–Sen slope of log10(signal) per layer along the direction of travel (< 0 shrinks); null when the ' +
        'signal dies or never starts.',
    ),
    decades: JsonNumber.describe('Fitted change from `from` to `to`: decadesPerLayer × (layers fitted − 1).'),
    ratio: JsonNumber.describe('10^decades: the fitted factor from `from` to `to` (0 when the signal dies).'),
    perLayer: JsonNumber.describe('10^decadesPerLayer: the fitted factor per layer.'),
    steepest: z
      .object({
        from: z.int().describe('1-based layer before the step.'),
        to: z.int().describe('1-based layer after the step.'),
        decades: JsonNumber.describe('Measured change of log10(signal) over the step.'),
      })
      .nullable()
      .describe('Where the change happens: the measured one-layer step with the largest |change|.'),
    diesAt: z
      .int()
      .nullable()
      .describe('1-based layer where the signal is exactly zero after being non-zero (vanished), else null.'),
    outputDecades: JsonNumber.describe(
      'Measured change across the output layer, left out of the fit (decades along the direction of travel).',
    ),
    verdict: VerdictSchema,
  })
  .describe('How one signal changes with depth over the hidden layers 1…L−1.');

export const DiagnosisSchema = z
  .object({
    phase: z
      .enum(['initialization', 'end'])
      .describe('initialization: before the first update; end: the last recorded step of training.'),
    step: z.int().describe('Step whose statistics were read.'),
    verdict: VerdictSchema,
    message: z.string().describe("The verdict in words; its numbers are the trends' numbers, as printed."),
    forward: SignalTrendSchema.nullable().describe(
      'null for non-finite values or fewer than 2 hidden layers.',
    ),
    backward: SignalTrendSchema.nullable().describe(
      'null for non-finite values or fewer than 2 hidden layers.',
    ),
  })
  .meta({
    id: 'Diagnosis',
    description:
      'Vanishing/exploding read off one step: a Theil–Sen line through log10 of each signal against depth over the ' +
      'hidden layers (the output layer left out); the verdict is the worse of the two signals.',
  });

export const RunDiagnosisSchema = z
  .object({
    verdict: VerdictSchema,
    message: z
      .string()
      .describe(
        'Every phase labelled ("At initialization (step 0): …", "At the end of training (step N): …").',
      ),
    atInit: DiagnosisSchema.nullable().describe('At the first recorded step (initialization).'),
    atEnd: DiagnosisSchema.nullable().describe(
      'At the last recorded step of training (null for probes and gradient checks).',
    ),
  })
  .meta({
    id: 'RunDiagnosis',
    description: "The run's verdict: the worse of its phases, or exploding when training diverged.",
  });

const GroupDifferenceSchema = z.object({
  difference: JsonNumber.describe(
    '‖g − ĝ‖₂ / (‖g‖₂ + ‖ĝ‖₂) over the checked parameters; null if none was checked.',
  ),
  checked: z.int().describe('Parameters of this group that were checked.'),
  total: z.int().describe('Parameters in this group.'),
});

export const GradcheckResultSchema = z
  .object({
    batch: z.int().describe('Samples in the checked batch.'),
    mode: z.enum(['full', 'fast']).describe('full: every parameter; fast: a sample plus random directions.'),
    epsilon: z.number().describe('ε used.'),
    difference: JsonNumber.describe(
      "‖g − ĝ‖₂ / (‖g‖₂ + ‖ĝ‖₂) over every checked parameter (the course's); null when not finite.",
    ),
    verdict: z
      .enum(['pass', 'warn', 'fail'])
      .describe(
        'pass: < 1e-7; warn: in [1e-7, 1e-3) (look carefully), or larger but caused by ε (see cause); fail: ≥ 1e-3 ' +
          'at every ε scanned (a bug), or not finite.',
      ),
    message: z.string().describe('The verdict in words.'),
    layers: z
      .array(
        z.object({
          layer: z.int().describe('0-based layer index.'),
          W: GroupDifferenceSchema.describe("Over the layer's weights."),
          b: GroupDifferenceSchema.describe("Over the layer's biases (checked 0 without bias)."),
        }),
      )
      .describe('The difference per layer, for W and b separately.'),
    directionalDifference: JsonNumber.describe('Fast mode: relative difference of directional derivatives.'),
    cause: z
      .enum(['truncation', 'rounding', 'backprop', 'unclear'])
      .nullable()
      .describe(
        'null when it passed. Else the worst parameters are re-checked at ε = 1e-2 … 1e-10: truncation (ε too ' +
          'large: some smaller ε passes) or rounding (ε too small for float64 at this |f|: some larger ε passes) ' +
          'give warn; backprop (≥ 1e-3 at every ε) gives fail; unclear (1e-7..1e-3 at best: kinks, precision) warn.',
      ),
    suggestedEpsilon: z
      .number()
      .nullable()
      .describe('When the difference came from ε: the ε at which the worst parameters pass; else null.'),
    epsilonScan: z
      .array(
        z.object({
          epsilon: z.number().describe('ε tried.'),
          difference: JsonNumber.describe('‖g − ĝ‖ / (‖g‖ + ‖ĝ‖) over the worst parameters at that ε.'),
        }),
      )
      .nullable()
      .describe("The worst parameters' difference at each ε scanned; null when the check passed."),
    worst: z
      .array(
        z.object({
          layer: z.int().describe('0-based layer index.'),
          param: z.enum(['W', 'b']).describe('Weight or bias.'),
          row: z.int().describe('Output unit (row of W, entry of b).'),
          col: z.int().nullable().describe('Input (column of W); null for b.'),
          analytic: JsonNumber.describe("Backprop's ∂loss/∂θ."),
          numeric: JsonNumber.describe('(f(θ+ε) − f(θ−ε)) / 2ε.'),
          difference: JsonNumber.describe('|g − ĝ| / (|g| + |ĝ|) for this parameter.'),
        }),
      )
      .describe('The parameters with the largest |g − ĝ|, worst first.'),
    cost: z
      .object({
        parameters: z.int().describe('Parameters of the network.'),
        checkedParameters: z.int().describe('Parameters perturbed one by one.'),
        directions: z.int().describe('Random directions checked (fast mode).'),
        lossEvaluations: z.int().describe('Forward passes spent: 2 per parameter and per direction.'),
      })
      .describe('What the check cost.'),
  })
  .meta({ id: 'GradcheckResult', description: 'Result of a gradcheck run.' });

const LsuvReportSchema = z.object({
  layer: z.int().describe('0-based layer index.'),
  iterations: z.int().describe('Rescaling passes made.'),
  variance: JsonNumber.describe('Var(Z) on the batch after the last rescale.'),
  converged: z.boolean().describe('Whether |Var(Z) − gain²| fell below the tolerance.'),
});
export const LsuvReportsSchema = z
  .array(LsuvReportSchema)
  .nullable()
  .describe('One entry per LSUV-initialized layer; null without LSUV.');

export const TrainSummarySchema = z
  .object({
    stepsCompleted: z
      .int()
      .describe('Optimizer steps taken (fewer than totalSteps when cancelled or diverged).'),
    totalSteps: z.int().describe('Steps the spec planned.'),
    final: z
      .object({
        loss: JsonNumber.describe('Loss over the whole training set.'),
        trainAccuracy: JsonNumber.describe('Accuracy over the training set; null for mse.'),
        testAccuracy: JsonNumber.describe('Accuracy over the test set; null for mse or without a test set.'),
        testLoss: JsonNumber.describe('Loss over the test set; null without one.'),
      })
      .describe('Over the whole sets, after the last update.'),
    divergence: z
      .object({
        step: z.int().describe('Step where NaN/Infinity appeared.'),
        layer: z.int().describe('0-based layer where it first appeared, in the order values are computed.'),
        where: z.enum(['forward', 'loss', 'backward', 'weights']).describe('Which computation produced it.'),
        message: z.string().describe('Where training diverged, in words.'),
      })
      .nullable()
      .describe('Where training diverged, or null.'),
    lsuv: LsuvReportsSchema,
  })
  .meta({
    id: 'TrainSummary',
    description: 'What a finished training run reports. Non-finite numbers are null.',
  });

/** Histograms of one kind, one row per layer: [lo, hi, count_0 … count_{bins−1}]; lo/hi null when empty. */
const HistogramRows = z.array(z.array(JsonNumber));

export const SpectrumSchema = z
  .object({
    singularValues: z
      .array(JsonNumber)
      .describe('Singular values of ∂Z_L/∂x at the first sample, descending.'),
    max: JsonNumber.describe('The largest singular value.'),
    min: JsonNumber.describe('The smallest singular value.'),
    meanSquare: JsonNumber.describe('Mean of σ² (‖J‖_F² / count).'),
    fractionNearOne: JsonNumber.describe('Fraction of σ within a factor 2 of 1 (dynamical isometry: 1).'),
    histogram: z.array(JsonNumber).describe('[lo, hi, counts…] of log10 σ.'),
  })
  .nullable()
  .meta({
    id: 'JacobianSpectrum',
    description:
      'The input–output Jacobian ∂Z_L/∂x = W_L·D_{L−1}⋯D_1·W_1 at initialization, at the batch’s first sample ' +
      '(Pennington et al. 2017), by one-sided Jacobi. null when a layer is wider than 512 or the work is too large.',
  });

export const ProbeResultSchema = z
  .object({
    batch: z.int().describe('Samples in the probe batch.'),
    loss: JsonNumber.describe('Loss of the batch at initialization.'),
    objective: z
      .enum(['loss', 'mean_square', 'random_projection'])
      .describe('What the backward statistics differentiate (see ProbeRunSpec.objective).'),
    objectiveValue: JsonNumber.describe('Its value on the batch (equal to loss for objective loss).'),
    fields: z.array(z.enum(LAYER_FIELDS)).describe('Names of the columns of `layers`.'),
    layers: z
      .array(z.array(JsonNumber))
      .describe('Per-layer statistics (layer × field); null = not applicable (NaN) or not finite.'),
    bins: z.int().describe('Bins per histogram.'),
    activationHistograms: HistogramRows.describe('Per layer: [lo, hi, counts…] of the activations A.'),
    gradientHistograms: HistogramRows.describe('Per layer: [lo, hi, counts…] of the weight gradient dW.'),
    diagnosis: DiagnosisSchema,
    lsuv: LsuvReportsSchema,
    // optional: results stored before these fields existed are still served as they are
    spectrum: SpectrumSchema.optional(),
    theory: AdviceSchema.optional().describe(
      'The init advisor on the drawn weights: per layer the critical gain, and the mean-field prediction of ' +
        'preactStd² (predictedPreactVar) and of deltaRms relative to the last layer (predictedDeltaRatio). ' +
        'Absent (as spectrum) in results stored before the theory fields existed.',
    ),
  })
  .meta({ id: 'ProbeResult', description: 'Result of a probe run: statistics at initialization.' });

export const RunResultSchema = z
  .union([GradcheckResultSchema, ProbeResultSchema])
  .describe('gradcheck: GradcheckResult; probe: ProbeResult. Training runs report in `summary` instead.');

/** (rows × width) flat values as rows, NaN/±Infinity → null. */
export function toRows(flat: Float64Array, width: number): (number | null)[][] {
  return Array.from({ length: flat.length / width }, (_, r) =>
    Array.from(flat.subarray(r * width, (r + 1) * width), nullIfNotFinite),
  );
}

/** The JSON form of a training outcome's summary. */
export function trainSummaryJson(outcome: TrainOutcome): z.output<typeof TrainSummarySchema> {
  const { final } = outcome;
  return {
    stepsCompleted: outcome.stepsCompleted,
    totalSteps: outcome.totalSteps,
    final: {
      loss: nullIfNotFinite(final.loss),
      trainAccuracy: final.trainAccuracy,
      testAccuracy: final.testAccuracy,
      testLoss: final.testLoss === null ? null : nullIfNotFinite(final.testLoss),
    },
    divergence: outcome.divergence,
    lsuv: lsuvJson(outcome.lsuv),
  };
}

const lsuvJson = (lsuv: LsuvLayerReport[] | null) =>
  lsuv?.map((l) => ({ ...l, variance: nullIfNotFinite(l.variance) })) ?? null;

/** The JSON form of a gradcheck outcome (ProbeResult's sibling). */
export function gradcheckResultJson(outcome: GradcheckOutcome): z.output<typeof GradcheckResultSchema> {
  const r = outcome.result;
  const n = nullIfNotFinite;
  return {
    ...r,
    batch: outcome.batch,
    difference: n(r.difference),
    directionalDifference: r.directionalDifference === null ? null : n(r.directionalDifference),
    epsilonScan: r.epsilonScan?.map((e) => ({ epsilon: e.epsilon, difference: n(e.difference) })) ?? null,
    worst: r.worst.map((w) => ({
      ...w,
      analytic: n(w.analytic),
      numeric: n(w.numeric),
      difference: n(w.difference),
    })),
  };
}

/** The JSON form of a probe outcome. */
export function probeResultJson(outcome: ProbeOutcome): z.output<typeof ProbeResultSchema> {
  return {
    batch: outcome.batch,
    loss: nullIfNotFinite(outcome.loss),
    objective: outcome.objective,
    objectiveValue: nullIfNotFinite(outcome.objectiveValue),
    fields: [...LAYER_FIELDS],
    layers: toRows(outcome.layers, FIELD_COUNT),
    bins: outcome.bins,
    activationHistograms: toRows(outcome.activationHistograms, outcome.bins + 2),
    gradientHistograms: toRows(outcome.gradientHistograms, outcome.bins + 2),
    diagnosis: diagnosisJson(outcome.diagnosis),
    lsuv: lsuvJson(outcome.lsuv),
    spectrum: outcome.spectrum && spectrumJson(outcome.spectrum),
    theory: adviceJson(outcome.theory),
  };
}

function spectrumJson(s: Spectrum): z.output<typeof SpectrumSchema> {
  const n = nullIfNotFinite;
  return {
    singularValues: Array.from(s.singularValues, n),
    max: n(s.max),
    min: n(s.min),
    meanSquare: n(s.meanSquare),
    fractionNearOne: n(s.fractionNearOne),
    histogram: Array.from(s.histogram, n),
  };
}

/** A core Diagnosis with its non-finite numbers as null. */
export function diagnosisJson(d: Diagnosis): z.output<typeof DiagnosisSchema> {
  const n = nullIfNotFinite;
  const trend = (t: SignalTrend | null) =>
    t && {
      ...t,
      decadesPerLayer: n(t.decadesPerLayer),
      decades: n(t.decades),
      ratio: n(t.ratio),
      perLayer: n(t.perLayer),
      steepest: t.steepest && { ...t.steepest, decades: n(t.steepest.decades) },
      outputDecades: n(t.outputDecades),
    };
  return { ...d, forward: trend(d.forward), backward: trend(d.backward) };
}

/** The one JSON form of a run's diagnosis (training and probe runs alike). */
export function runDiagnosisJson(d: RunDiagnosis): z.output<typeof RunDiagnosisSchema> {
  return {
    verdict: d.verdict,
    message: d.message,
    atInit: d.atInit && diagnosisJson(d.atInit),
    atEnd: d.atEnd && diagnosisJson(d.atEnd),
  };
}

/** The core's value fits the schema (after NaN → null) and the schema has nothing the JSON form lacks. */
type JsonMirrors<S, C> = [C] extends [S]
  ? [S] extends [JsonOf<C>]
    ? [Full<C>] extends [Full<S>]
      ? [Full<S>] extends [Full<JsonOf<C>>]
        ? true
        : false
      : false
    : false
  : false;

// Drift checks against the core's types.
export type _ResultChecks = [
  Check<JsonMirrors<z.infer<typeof DiagnosisSchema>, Diagnosis>>,
  Check<JsonMirrors<z.infer<typeof RunDiagnosisSchema>, RunDiagnosis>>,
  Check<JsonMirrors<z.infer<typeof GradcheckResultSchema>, GradCheckResult & { batch: number }>>,
  Check<JsonMirrors<z.infer<typeof LsuvReportSchema>, LsuvLayerReport>>,
  Check<
    JsonMirrors<
      z.infer<typeof TrainSummarySchema>,
      Pick<TrainOutcome, 'stepsCompleted' | 'totalSteps' | 'final' | 'divergence' | 'lsuv'>
    >
  >,
];
