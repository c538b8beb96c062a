// Schemas of how a network trains (optimizer, steps, batches, clipping) and what the run records (telemetry).
import { z } from 'zod';
import { DEFAULTS, type OptimizerSpec, type TelemetrySpec, type TrainSpec } from '../core/index.ts';
import { type Check, integer, type Mirrors, seed } from './common.ts';
import { MAX_SAMPLES } from './data.ts';

/** Most optimizer steps of one run. */
export const MAX_STEPS = 1_000_000;
/** Most passes over the data of one run (the steps they imply are still capped by the budget). */
export const MAX_EPOCHS = 100_000;
/** Histogram bins bounds. */
export const MIN_BINS = 2;
export const MAX_BINS = 256;

const lr = z.number().gt(0).max(10).describe('Learning rate, in (0, 10].');
const decay = (what: string, fallback: number) =>
  z.number().min(0).lt(1).optional().describe(`${what}, in [0, 1) (default ${fallback}).`);
const eps = (fallback: number) =>
  z.number().gt(0).max(1).optional().describe(`ε added to the denominator, in (0, 1] (default ${fallback}).`);

export const OptimizerSpecSchema = z
  .discriminatedUnion('kind', [
    z
      .strictObject({ kind: z.literal('sgd'), lr })
      .describe('Plain gradient descent: θ ← θ − lr·g (torch.optim.SGD).'),
    z
      .strictObject({
        kind: z.literal('momentum'),
        lr,
        beta: decay('Momentum β', 0.9),
        nesterov: z.boolean().optional().describe('Nesterov momentum: Δθ = −lr·(g + β·v) (default false).'),
      })
      .describe('torch.optim.SGD(momentum=β): v ← β·v + g; θ ← θ − lr·v (no dampening).'),
    z
      .strictObject({ kind: z.literal('rmsprop'), lr, alpha: decay('Smoothing α', 0.99), eps: eps(1e-8) })
      .describe('torch.optim.RMSprop: s ← α·s + (1−α)·g²; θ ← θ − lr·g/(√s + ε).'),
    z
      .strictObject({
        kind: z.literal('adam'),
        lr,
        beta1: decay('β1', 0.9),
        beta2: decay('β2', 0.999),
        eps: eps(1e-8),
      })
      .describe('torch.optim.Adam: bias-corrected moments m̂, v̂; θ ← θ − lr·m̂/(√v̂ + ε).'),
  ])
  .meta({
    id: 'OptimizerSpec',
    description:
      "The update rule, chosen by `kind`; the update rules are PyTorch's (no weight decay: use network.l2).",
  });

export const TrainSpecSchema = z
  .strictObject({
    optimizer: OptimizerSpecSchema,
    batchSize: integer(1, MAX_SAMPLES)
      .optional()
      .describe(
        'Mini-batch size; omitted or ≥ the training samples means full batch. Batches follow a seeded shuffle per epoch.',
      ),
    steps: integer(1, MAX_STEPS)
      .optional()
      .describe(
        `Number of optimizer steps, 1..${MAX_STEPS}. Give steps or epochs, not both (default steps = ${DEFAULTS.steps}).`,
      ),
    epochs: integer(1, MAX_EPOCHS)
      .optional()
      .describe('Passes over the training set; steps = epochs × ⌈n_train / batchSize⌉.'),
    clip: z
      .strictObject({
        maxNorm: z
          .number()
          .gt(0)
          .max(1e6)
          .optional()
          .describe('Rescale g so that its global L2 norm ‖g‖₂ ≤ maxNorm (torch.nn.utils.clip_grad_norm_).'),
        maxValue: z
          .number()
          .gt(0)
          .max(1e6)
          .optional()
          .describe('Clamp every gradient entry to [−maxValue, maxValue] (torch.nn.utils.clip_grad_value_).'),
      })
      .optional()
      .describe('Gradient clipping, applied to the update only; telemetry reports the raw gradient.'),
    seed: seed('Seed of the mini-batch shuffling (default 0)').optional(),
  })
  .refine((t) => t.steps === undefined || t.epochs === undefined, {
    path: ['epochs'],
    message: 'give steps or epochs, not both',
  })
  .meta({ id: 'TrainSpec', description: 'How the network trains.' });

const every = (what: string) => integer(1, MAX_STEPS).optional().describe(what);
const bins = integer(MIN_BINS, MAX_BINS)
  .optional()
  .describe(`Bins per histogram, ${MIN_BINS}..${MAX_BINS} (default ${DEFAULTS.histogramBins}).`);
const logScale = z
  .boolean()
  .optional()
  .describe('Bin log10|g| instead of g (exact zeros are left out of the counts); default false.');

/** Histogram options of a probe run (a probe has a single step, so no `every`). */
export const ProbeHistogramsSchema = z
  .strictObject({ bins, logScale })
  .describe("Histograms of each layer's activations and weight gradients at initialization.");

export const TelemetrySpecSchema = z
  .strictObject({
    every: every(
      `Record the per-layer statistics every \`every\` steps, plus step 0 and the last step (default ${DEFAULTS.telemetryEvery}).`,
    ),
    evalEvery: every(
      'Evaluate train/test accuracy every `evalEvery` steps, and at the last step (default: about 200 evaluations per run, on multiples of `every`).',
    ),
    histograms: z
      .strictObject({
        bins,
        logScale,
        every: every(
          'Record histograms on recorded steps that are multiples of this (default: telemetry every).',
        ),
      })
      .optional()
      .describe('Per-layer histograms of the weight gradient dW; off when omitted.'),
  })
  .meta({
    id: 'TelemetrySpec',
    description:
      "What a training run records. Each recorded step stores 18 statistics per layer (see the run stream's " +
      '`fields`): the gradient norm, RMS, mean, std, range and non-finite count of dW, ‖db‖, ‖W‖, the update ratio ' +
      '‖ΔW‖/‖W‖, the RMS of ∂loss/∂Z, pre-activation and activation mean/std, saturated and dead fractions.',
  });

// Drift checks against the core's types.
export type _TrainingChecks = [
  Check<Mirrors<z.infer<typeof OptimizerSpecSchema>, OptimizerSpec>>,
  Check<Mirrors<z.infer<typeof TrainSpecSchema>, TrainSpec>>,
  Check<Mirrors<z.infer<typeof TelemetrySpecSchema>, TelemetrySpec>>,
];
