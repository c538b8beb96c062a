// Schema of a run request (train, probe or gradcheck), with the per-part spec schemas re-exported.
import { z } from 'zod';
import {
  DEFAULTS,
  type GradcheckRunSpec,
  type ProbeRunSpec,
  type RunSpec,
  type TrainRunSpec,
} from '../core/index.ts';
import { type Check, integer, type Mirrors, seed, storableText } from './common.ts';
import { DataSpecSchema, MAX_SAMPLES } from './data.ts';
import { InitSpecSchema } from './init.ts';
import { NetworkSpecSchema } from './network.ts';
import { ProbeHistogramsSchema, TelemetrySpecSchema, TrainSpecSchema } from './training.ts';

export { DataSpecSchema, MAX_CLASSES, MAX_SAMPLES } from './data.ts';
export { BiasInitSchema, InitSchemeSchema, InitSpecSchema } from './init.ts';
export {
  ActivationSchema,
  LayerSpecSchema,
  LayerWeightsSchema,
  LossSchema,
  MAX_LAYERS,
  MAX_UNITS,
  NetworkSpecSchema,
} from './network.ts';
export {
  MAX_BINS,
  MAX_EPOCHS,
  MAX_STEPS,
  MIN_BINS,
  OptimizerSpecSchema,
  ProbeHistogramsSchema,
  TelemetrySpecSchema,
  TrainSpecSchema,
} from './training.ts';

/** The fields every run kind shares: the model, its data, and a display name. */
const model = {
  name: storableText(1, 200).optional().describe('A display name for the run (1..200 characters).'),
  network: NetworkSpecSchema,
  init: InitSpecSchema,
  data: DataSpecSchema,
  seed: seed('Default seed of data generation and splitting (default 0)').optional(),
};

export const TrainRunSpecSchema = z
  .strictObject({
    kind: z.literal('train'),
    ...model,
    training: TrainSpecSchema,
    telemetry: TelemetrySpecSchema.optional(),
  })
  .meta({
    id: 'TrainRunSpec',
    description:
      'Train the network and record per-layer statistics as it goes. The run ends succeeded, diverged (the loss ' +
      'or a gradient became NaN/Infinity: the run names the step and layer), or cancelled.',
  });

export const ProbeRunSpecSchema = z
  .strictObject({
    kind: z.literal('probe'),
    ...model,
    batchSize: integer(1, MAX_SAMPLES)
      .optional()
      .describe('Training samples in the probe batch (default min(n, 256)).'),
    objective: z
      .enum(['loss', 'mean_square', 'random_projection'])
      .optional()
      .describe(
        'What the backward pass differentiates: loss (default) the network loss; mean_square 0.5·mean(x_L²) ' +
          '(Glorot & Bengio); random_projection mean(x_L ⊙ R), R (batch, outputs) N(0, 1) fixed by init.seed ' +
          "(He et al.'s independence assumption). x_L is the output layer's pre-activation Z_L, so the output " +
          'activation and the targets play no part; the L2 penalty, if any, is added.',
      ),
    histograms: ProbeHistogramsSchema.optional(),
  })
  .meta({
    id: 'ProbeRunSpec',
    description:
      'One forward and backward pass at initialization, without training (Glorot & Bengio; He et al.): how the ' +
      'activation std and the gradient RMS change from layer to layer, i.e. whether the init vanishes or explodes.',
  });

export const GradcheckRunSpecSchema = z
  .strictObject({
    kind: z.literal('gradcheck'),
    ...model,
    batchSize: integer(1, MAX_SAMPLES)
      .optional()
      .describe(`Training samples in the checked batch (default min(n, ${DEFAULTS.gradcheckBatch})).`),
    epsilon: z
      .number()
      .gt(0)
      .max(1e-2)
      .optional()
      .describe(
        `Perturbation ε of the two-sided difference (f(θ+ε) − f(θ−ε))/2ε, in (0, 1e-2] (default ${DEFAULTS.gradcheckEpsilon}, the course's).`,
      ),
    mode: z
      .enum(['full', 'fast'])
      .optional()
      .describe(
        'full (default) perturbs every parameter; fast a seeded sample of them plus random directions.',
      ),
    sampleSize: integer(1, 1_000_000)
      .optional()
      .describe(
        `Fast mode: parameters checked one by one, a seeded sample spread over every W and b (default ${DEFAULTS.gradcheckSampleSize}).`,
      ),
    directions: integer(0, 10_000)
      .optional()
      .describe(
        `Fast mode: random unit directions u, comparing ∇f·u with (f(θ+εu) − f(θ−εu))/2ε (default ${DEFAULTS.gradcheckDirections}).`,
      ),
  })
  .meta({
    id: 'GradcheckRunSpec',
    description:
      'Check backprop against the numerical gradient at initialization, in float64. difference = ‖g − ĝ‖₂ / ' +
      "(‖g‖₂ + ‖ĝ‖₂) (the course's): < 1e-7 great (pass), between 1e-7 and 1e-3 look carefully (warn: kinks of " +
      'relu, ε, precision), ≥ 1e-3 almost surely a bug (fail). Reported overall, per layer and per W/b. When it ' +
      'does not pass, the worst parameters are re-checked at ε = 1e-2 … 1e-10: a difference that goes away at ' +
      'another ε is blamed on ε (cause truncation or rounding, warn, with suggestedEpsilon); fail is kept for ' +
      'differences ≥ 1e-3 at every ε.',
  });

const heOnCircles = {
  kind: 'train',
  name: 'course: He initialization on circles',
  network: {
    inputSize: 2,
    layers: [
      { units: 10, activation: 'relu' },
      { units: 5, activation: 'relu' },
      { units: 1, activation: 'sigmoid' },
    ],
    loss: 'binary_cross_entropy',
  },
  init: { weights: { scheme: 'he_normal' }, seed: 3 },
  data: { source: 'circles', n: 400, noise: 0.05, testFraction: 0.25 },
  training: { optimizer: { kind: 'sgd', lr: 0.01 }, steps: 15000 },
  telemetry: { every: 100, histograms: { bins: 32, every: 1000 } },
} satisfies RunSpec & { name: string };

const deepLinear = {
  kind: 'probe',
  name: 'deep linear net, W = 1.5·I: output = 1.5^10·x explodes',
  network: {
    inputSize: 4,
    layers: Array.from({ length: 10 }, () => ({ units: 4, activation: 'linear' as const, bias: false })),
    loss: 'mse',
  },
  init: { weights: { scheme: 'identity', scale: 1.5 } },
  data: { source: 'linear', n: 64, features: 4, outputs: 4 },
} satisfies RunSpec & { name: string };

const gradcheck = {
  kind: 'gradcheck',
  name: 'gradient check of a small tanh net',
  network: {
    inputSize: 2,
    layers: [
      { units: 8, activation: 'tanh' },
      { units: 3, activation: 'softmax' },
    ],
    loss: 'categorical_cross_entropy',
    l2: 0.1,
  },
  init: { weights: { scheme: 'xavier_normal' } },
  data: { source: 'spirals', n: 90, classes: 3 },
  epsilon: 1e-7,
} satisfies RunSpec & { name: string };

/** Realistic requests, shown in the OpenAPI document and checked against the schema by the tests. */
export const RUN_SPEC_EXAMPLES = [heOnCircles, deepLinear, gradcheck];

export const RunSpecSchema = z
  .discriminatedUnion('kind', [TrainRunSpecSchema, ProbeRunSpecSchema, GradcheckRunSpecSchema])
  .meta({
    id: 'RunSpec',
    description:
      'What a run computes, chosen by `kind`: train, probe (statistics at initialization) or gradcheck. ' +
      'Conventions: W is (out, in) like PyTorch nn.Linear; Z = X·Wᵀ + b; losses are averaged over the batch ' +
      '(and over outputs for binary_cross_entropy and mse); mse has no ½; L2 adds λ/(2·batch)·Σ‖W‖²; all ' +
      'arithmetic is float64 and every random draw comes from a seed, so a spec reproduces bit for bit.',
    examples: RUN_SPEC_EXAMPLES,
  });

export type NamedRunSpec = z.infer<typeof RunSpecSchema>;

/** A run spec as the core sees it: the API adds only the display name. */
type CoreOf<T> = T extends unknown ? Omit<T, 'name'> : never;

// Drift checks against the core's types.
export type _RunSpecChecks = [
  Check<Mirrors<CoreOf<z.infer<typeof TrainRunSpecSchema>>, TrainRunSpec>>,
  Check<Mirrors<CoreOf<z.infer<typeof ProbeRunSpecSchema>>, ProbeRunSpec>>,
  Check<Mirrors<CoreOf<z.infer<typeof GradcheckRunSpecSchema>>, GradcheckRunSpec>>,
  Check<Mirrors<CoreOf<z.infer<typeof RunSpecSchema>>, RunSpec>>,
];
