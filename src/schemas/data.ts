// Schema of a run's data: sklearn-style generators (circles, moons, …) or inline samples.
import { z } from 'zod';
import type { DataSpec } from '../core/index.ts';
import { type Check, finite, integer, type Mirrors, seed } from './common.ts';
import { MAX_UNITS } from './network.ts';

/** Most samples a generator may produce, and most rows of inline data (the budget caps samples × features). */
export const MAX_SAMPLES = 1_000_000;
/** Most classes of spirals and blobs. */
export const MAX_CLASSES = 100;

const n = integer(1, MAX_SAMPLES).describe(
  `Number of samples to generate (1..${MAX_SAMPLES}; at least one per class), test set included.`,
);
const noise = (fallback: number) =>
  finite(0, 100)
    .optional()
    .describe(`Std of the Gaussian noise added to each coordinate, ≥ 0 (default ${fallback}).`);
const dataSeed = seed("Seed of generation and of the train/test split (default: the run's seed)").optional();
const testFraction = z
  .number()
  .min(0)
  .lt(1)
  .optional()
  .describe(
    'Fraction of the samples held out as the test set, in [0, 1) (default 0: no test set), by a seeded shuffle.',
  );
const classes = integer(2, MAX_CLASSES)
  .optional()
  .describe(`Number of classes, 2..${MAX_CLASSES} (default 3).`);
const features = (what: string) =>
  integer(1, MAX_UNITS).optional().describe(`${what} (default: see the source).`);

const matrix = z.array(z.array(z.number()).min(1).max(MAX_UNITS)).min(1).max(MAX_SAMPLES);
const labels = z
  .union([
    z.array(z.number()).max(MAX_SAMPLES),
    z.array(z.array(z.number()).min(1).max(MAX_UNITS)).max(MAX_SAMPLES),
  ])
  .describe(
    'One label per sample. Numbers that are all non-negative integers are class indices (binary: 0/1 with one ' +
      'sigmoid output; categorical: 0..classes−1 with a softmax output); other numbers, or one vector per sample ' +
      '(n, outputs), are targets (mse, or multi-label binary_cross_entropy with values in [0, 1]); for ' +
      'categorical_cross_entropy, vectors (n, outputs) are class probabilities (one-hot or soft labels, each in ' +
      '[0, 1], summing to 1), as PyTorch CrossEntropyLoss takes them.',
  );

export const DataSpecSchema = z
  .discriminatedUnion('source', [
    z
      .strictObject({
        source: z.literal('circles'),
        n,
        noise: noise(0.05),
        factor: z
          .number()
          .min(0)
          .lt(1)
          .optional()
          .describe('Radius of the inner circle, in [0, 1) (default 0.8).'),
        seed: dataSeed,
        testFraction,
      })
      .describe(
        'sklearn make_circles: ⌊n/2⌋ points on the unit circle (label 0), the rest on the circle of radius factor ' +
          "(label 1); 2 features. The course's initialization exercise uses it with noise 0.05.",
      ),
    z
      .strictObject({ source: z.literal('moons'), n, noise: noise(0.1), seed: dataSeed, testFraction })
      .describe('sklearn make_moons: two interleaving half circles, labels 0/1, 2 features.'),
    z
      .strictObject({
        source: z.literal('spirals'),
        n,
        classes,
        noise: noise(0.2),
        seed: dataSeed,
        testFraction,
      })
      .describe(
        'CS231n spirals: `classes` interleaved spiral arms (radius 0..1, angle noise), class-index labels, 2 features.',
      ),
    z
      .strictObject({ source: z.literal('xor'), n, noise: noise(0), seed: dataSeed, testFraction })
      .describe('XOR: points uniform in [−1, 1]², label 1 when x1·x2 > 0 (before noise), 2 features.'),
    z
      .strictObject({
        source: z.literal('blobs'),
        n,
        classes,
        features: features('Features per sample, 1..4096 (default 2)'),
        std: finite(0, 1000).optional().describe('Std of each blob, ≥ 0 (default 1).'),
        seed: dataSeed,
        testFraction,
      })
      .describe(
        'sklearn make_blobs: centres uniform in [−10, 10]^features, each class N(centre, std²·I), class-index labels.',
      ),
    z
      .strictObject({
        source: z.literal('linear'),
        n,
        features: features('Features per sample, 1..4096 (default 1)'),
        outputs: features('Targets per sample, 1..4096 (default 1)'),
        noise: noise(0.1),
        seed: dataSeed,
        testFraction,
      })
      .describe(
        'Regression: W (outputs, features), b (outputs) and x drawn N(0, 1), y = x·Wᵀ + b + noise·N(0, 1); for mse.',
      ),
    z
      .strictObject({
        source: z.literal('normal'),
        n,
        features: features('Features per sample, 1..4096 (default 1)'),
        std: finite(0, 1000).optional().describe('Std σ of every feature, ≥ 0 (default 1).'),
        targets: z
          .enum(['zeros', 'labels', 'regression'])
          .optional()
          .describe(
            'zeros (default): targets 0 of width outputs (mse then measures mean(x_L²)); labels: class indices ' +
              'uniform in 0..classes−1; regression: targets N(0, 1) of width outputs. All independent of x.',
          ),
        outputs: features('Targets per sample for zeros and regression, 1..4096 (default 1)'),
        classes: integer(2, MAX_CLASSES)
          .optional()
          .describe(`Classes of targets "labels", 2..${MAX_CLASSES} (default 2).`),
        seed: dataSeed,
        testFraction,
      })
      .describe(
        'Gaussian inputs for probes: x ~ N(0, std²) (n, features), as in Glorot & Bengio and He et al. ' +
          "(e.g. n 1024, features 256); targets don't depend on x.",
      ),
    z
      .strictObject({
        source: z.literal('inline'),
        features: matrix.describe(
          'Samples, shape (n, inputSize), row-major: one array of numbers per sample.',
        ),
        labels,
        test: z
          .strictObject({
            features: matrix.describe('Test samples, shape (n_test, inputSize).'),
            labels,
          })
          .optional()
          .describe(
            'An explicit test set, labelled like the training set (then testFraction must be 0 or absent).',
          ),
        testFraction,
        seed: dataSeed,
      })
      .describe('Samples given in the request. Row counts of features and labels must match.'),
  ])
  .meta({
    id: 'DataSpec',
    description:
      'Where the samples come from, chosen by `source`. Generated data are shuffled with the seed, then split ' +
      'into train/test by testFraction. The features per sample must equal network.inputSize.',
  });

// Drift checks against the core's types.
export type _DataChecks = [Check<Mirrors<z.infer<typeof DataSpecSchema>, DataSpec>>];
