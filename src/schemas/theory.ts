// Schemas of POST /v1/theory: the mean-field theory at a point or over a grid, or the init advisor for a network.
import { z } from 'zod';
import {
  type Advice,
  axisValues,
  DEFAULT_NODES_1D,
  DEFAULT_NODES_2D,
  layoutOf,
  type MeanField,
  THEORY_ACTIVATIONS,
  type TheoryActivation,
  type TheoryRequest,
  type TheoryResult,
} from '../core/index.ts';
import { type Check, finite, integer, JsonNumber, type Mirrors, nullIfNotFinite } from './common.ts';
import { InitSpecSchema } from './init.ts';
import { NetworkSpecSchema } from './network.ts';

/** Most cells of one grid (100 × 100). */
export const MAX_THEORY_CELLS = 10_000;
/** Most values along one axis. */
export const MAX_AXIS_VALUES = 1_000;
/** Most parameters the advisor draws for a network. */
export const MAX_THEORY_PARAMETERS = 2_000_000;

export const THEORY_METHOD =
  `Mean-field theory of a deep net with W ~ N(0, σ_w²/fan_in), b ~ N(0, σ_b²) (Poole et al. 2016; Schoenholz ` +
  `et al. 2017), by Gauss–Hermite quadrature: ${DEFAULT_NODES_1D} nodes for 1-D means, ${DEFAULT_NODES_2D} × ` +
  `${DEFAULT_NODES_2D} for the correlated 2-D ones (accuracy in the README's Theory section). null stands for ∞.`;

const Variance = finite(0, 100);
const AxisSchema = z
  .union([
    Variance,
    z.array(Variance).min(1).max(MAX_AXIS_VALUES),
    z.strictObject({
      from: Variance.describe('The first value.'),
      to: Variance.describe('The last value.'),
      steps: integer(1, MAX_AXIS_VALUES).describe(`How many values, 1..${MAX_AXIS_VALUES}.`),
      scale: z.enum(['linear', 'log']).optional().describe('Spacing of the values (default linear).'),
    }),
  ])
  .describe(
    `One value in [0, 100], a list of 1..${MAX_AXIS_VALUES} values, or {from, to, steps, scale} (steps values ` +
      'from `from` to `to`, evenly or evenly in log).',
  );

export const TheoryRequestSchema = z
  .strictObject({
    activation: z
      .enum(THEORY_ACTIVATIONS as readonly TheoryActivation[] as [TheoryActivation, ...TheoryActivation[]])
      .optional()
      .describe('The activation of every layer (default tanh). With sigmaW2 and sigmaB2.'),
    sigmaW2: AxisSchema.optional().describe(
      'σ_w² = fan_in·Var(W): a value (a point) or an axis (a grid; default 1).',
    ),
    sigmaB2: AxisSchema.optional().describe('σ_b² = Var(b): a value or an axis (default 0).'),
    leakySlope: finite(0, 1).optional().describe('Slope of leaky_relu (default 0.01).'),
    eluAlpha: finite(0, 10).optional().describe('α of elu (default 1).'),
    network: NetworkSpecSchema.optional().describe('With init: the init advisor for this network.'),
    init: InitSpecSchema.optional().describe(
      'With network: the init whose weights the advisor draws and judges.',
    ),
    inputMeanSquare: finite(0, 1e6)
      .optional()
      .describe('Mean of x² over the input features, for the advisor (default 1: standardized inputs).'),
  })
  .superRefine((req, ctx) => {
    if ((req.network === undefined) !== (req.init === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [req.network === undefined ? 'network' : 'init'],
        message: 'network and init go together (the advisor draws the init for the network)',
      });
      return;
    }
    if (req.network) {
      for (const key of ['activation', 'sigmaW2', 'sigmaB2', 'leakySlope', 'eluAlpha'] as const) {
        if (req[key] !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `${key} is not taken with network (the network says it)`,
          });
      }
      const hidden = req.network.layers.slice(0, -1).findIndex((l) => l.activation === 'softmax');
      if (hidden >= 0)
        ctx.addIssue({
          code: 'custom',
          path: ['network', 'layers', hidden, 'activation'],
          message: 'softmax has no mean-field theory',
        });
      const size = layoutOf(req.network).size;
      if (size > MAX_THEORY_PARAMETERS)
        ctx.addIssue({
          code: 'custom',
          path: ['network'],
          message: `the network has ${size} parameters; the advisor draws at most ${MAX_THEORY_PARAMETERS}`,
        });
      return;
    }
    const cells = axisValues(req.sigmaW2 ?? 1).length * axisValues(req.sigmaB2 ?? 0).length;
    if (cells > MAX_THEORY_CELLS)
      ctx.addIssue({
        code: 'custom',
        path: ['sigmaW2'],
        message: `the grid has ${cells} cells; at most ${MAX_THEORY_CELLS} (e.g. 100 × 100)`,
      });
    for (const key of ['sigmaW2', 'sigmaB2'] as const) {
      const axis = req[key];
      if (axis && typeof axis === 'object' && !Array.isArray(axis) && axis.scale === 'log' && axis.from === 0)
        ctx.addIssue({ code: 'custom', path: [key, 'from'], message: 'a log axis starts above 0' });
    }
  })
  .meta({
    id: 'TheoryRequest',
    description:
      'A point ({activation, sigmaW2, sigmaB2} with numbers), a grid (either of them an axis; at most ' +
      `${MAX_THEORY_CELLS} cells), or a network with its init (the init advisor). ${THEORY_METHOD}`,
  });

const PhaseSchema = z.enum(['ordered', 'critical', 'chaotic']);
const MeanFieldSchema = z
  .object({
    qStar: JsonNumber.describe('Fixed point q* of the length map (null: it grows without bound).'),
    chi1: JsonNumber.describe("χ₁ = σ_w²·E[φ'(√q* z)²]: < 1 ordered (gradients vanish), > 1 chaotic."),
    cStar: JsonNumber.describe('Stable fixed point c* of the correlation map (1 unless chaotic).'),
    chiC: JsonNumber.describe("Slope of the correlation map at c*: σ_w²·E[φ'(u₁)φ'(u₂)]."),
    xiQ: JsonNumber.describe('Depth scale of the length, −1/ln(dq′/dq at q*) (null = ∞).'),
    xiC: JsonNumber.describe('Depth scale of the correlation, −1/ln χ_c (null = ∞ at criticality).'),
    phase: PhaseSchema.describe('ordered (χ₁ < 1), critical (|χ₁ − 1| ≤ 1e-9) or chaotic (χ₁ > 1).'),
  })
  .meta({ id: 'MeanField', description: 'The mean-field quantities of one (activation, σ_w², σ_b²).' });

const grid = (what: string) => z.array(z.array(JsonNumber)).describe(`${what}, rows σ_b², columns σ_w².`);

export const LayerAdviceSchema = z.object({
  sigmaW2: JsonNumber.describe('fan_in·mean(W²) of the drawn weights: the spec’s own σ_w².'),
  sigmaB2: JsonNumber.describe('mean(b²) of the drawn biases.'),
  criticalSigmaW2: JsonNumber.describe(
    "σ_w² with χ₁ = 1 for the layer's activation at its σ_b² (null: none).",
  ),
  criticalGain: JsonNumber.describe('√criticalSigmaW2: the gain on a variance-1/fan_in init at criticality.'),
  gainFactor: JsonNumber.describe("The factor to put on the spec's own gain for criticality."),
  predictedPreactVar: JsonNumber.describe(
    'Predicted variance of the pre-activations Z (compare preactStd²).',
  ),
  predictedDeltaRatio: JsonNumber.describe('Predicted RMS of ∂loss/∂Z relative to the last layer’s.'),
});

export const AdviceSchema = z
  .object({
    layers: z.array(LayerAdviceSchema).describe('Per layer, in order (the last is the output layer).'),
    forwardChange: JsonNumber.describe(
      'Predicted √(q_L/q_1): the pre-activations’ RMS change over the depth.',
    ),
    backwardChange: JsonNumber.describe(
      'Predicted deltaRms_1/deltaRms_L: the backward signal change over the depth.',
    ),
  })
  .meta({
    id: 'InitAdvice',
    description: 'The init advisor: critical gains and the predicted signal propagation.',
  });

export const TheoryResponseSchema = z
  .object({
    mode: z.enum(['point', 'grid', 'network']).describe('Which of point, grid and advice is filled in.'),
    method: z.string().describe('How the numbers were computed.'),
    sigmaW2: z.array(z.number()).nullable().describe('The σ_w² values (columns), for a point or grid.'),
    sigmaB2: z.array(z.number()).nullable().describe('The σ_b² values (rows), for a point or grid.'),
    point: MeanFieldSchema.nullable().describe('For a point; else null.'),
    grid: z
      .object({
        qStar: grid('q*'),
        chi1: grid('χ₁'),
        cStar: grid('c*'),
        xiQ: grid('ξ_q'),
        xiC: grid('ξ_c'),
        phase: z.array(z.array(PhaseSchema)).describe('The phase, rows σ_b², columns σ_w².'),
        criticalSigmaW2: z.array(JsonNumber).describe('Per row, the σ_w² where χ₁ = 1 (the critical line).'),
      })
      .nullable()
      .describe('For a grid; else null.'),
    advice: AdviceSchema.nullable().describe('For a network and init; else null.'),
  })
  .meta({
    id: 'TheoryResponse',
    description: `The mean-field theory at a point or over a grid, or the init advisor. ${THEORY_METHOD}`,
  });
export type TheoryResponse = z.infer<typeof TheoryResponseSchema>;

// Drift check: what the edge accepts is what the core computes on.
export type _TheoryChecks = [Check<Mirrors<z.infer<typeof TheoryRequestSchema>, TheoryRequest>>];

const n = nullIfNotFinite;

export function meanFieldJson(m: MeanField): z.infer<typeof MeanFieldSchema> {
  return {
    qStar: n(m.qStar),
    chi1: n(m.chi1),
    cStar: n(m.cStar),
    chiC: n(m.chiC),
    xiQ: n(m.xiQ),
    xiC: n(m.xiC),
    phase: m.phase,
  };
}

/** The advisor's answer as JSON (in a theory response and in a probe's result). */
export function adviceJson(a: Advice): z.infer<typeof AdviceSchema> {
  const nn = (x: number | null) => (x === null ? null : n(x));
  return {
    layers: a.layers.map((l) => ({
      sigmaW2: n(l.sigmaW2),
      sigmaB2: n(l.sigmaB2),
      criticalSigmaW2: nn(l.criticalSigmaW2),
      criticalGain: nn(l.criticalGain),
      gainFactor: nn(l.gainFactor),
      predictedPreactVar: n(l.predictedPreactVar),
      predictedDeltaRatio: n(l.predictedDeltaRatio),
    })),
    forwardChange: n(a.forwardChange),
    backwardChange: n(a.backwardChange),
  };
}

/** The one place a theory result becomes JSON. */
export function theoryResponseJson(r: TheoryResult): TheoryResponse {
  const base = {
    mode: r.mode,
    method: THEORY_METHOD,
    sigmaW2: null,
    sigmaB2: null,
    point: null,
    grid: null,
    advice: null,
  };
  if (r.mode === 'point')
    return { ...base, sigmaW2: [r.sigmaW2], sigmaB2: [r.sigmaB2], point: meanFieldJson(r.point) };
  if (r.mode === 'network') return { ...base, advice: adviceJson(r.advice) };
  const field = (k: Exclude<keyof MeanField, 'phase'>) => r.grid.cells.map((row) => row.map((c) => n(c[k])));
  return {
    ...base,
    sigmaW2: r.sigmaW2,
    sigmaB2: r.sigmaB2,
    grid: {
      qStar: field('qStar'),
      chi1: field('chi1'),
      cStar: field('cStar'),
      xiQ: field('xiQ'),
      xiC: field('xiC'),
      phase: r.grid.cells.map((row) => row.map((c) => c.phase)),
      criticalSigmaW2: r.grid.criticalSigmaW2.map(n),
    },
  };
}
