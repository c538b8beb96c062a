// Schemas of weight and bias initialization: every scheme with the library convention it follows.
import { z } from 'zod';
import { type BiasInit, DEFAULTS, INIT_RNGS, type InitScheme, type InitSpec } from '../core/index.ts';
import { type Check, finite, integer, type Mirrors, seed } from './common.ts';
import { MAX_LAYERS, MAX_UNITS } from './network.ts';

/** Bound on any user-given parameter value (constant, mean, limits, matrix entries, gain). */
const MAX_VALUE = 1e6;
const value = (what: string) => finite(-MAX_VALUE, MAX_VALUE).describe(`${what} (|x| ≤ 1e6).`);
const gain = value(
  'Multiplies every value the scheme draws, final = gain × base (default 1). Recommended gains as PyTorch ' +
    'calculate_gain: linear/sigmoid 1, tanh 5/3, relu √2, leaky_relu √(2/(1+slope²))',
).optional();
const std = finite(0, MAX_VALUE);

/** One variant of InitScheme: a strict object with its `scheme` literal, optional gain, and its own fields. */
function scheme<S extends string, T extends z.ZodRawShape>(name: S, description: string, shape: T) {
  return z.strictObject({ scheme: z.literal(name), gain, ...shape }).describe(description);
}

const fanMode = z
  .enum(['fan_in', 'fan_out'])
  .optional()
  .describe('Which fan sets the variance (default fan_in).');

export const InitSchemeSchema = z
  .discriminatedUnion('scheme', [
    scheme(
      'zeros',
      'All zeros (PyTorch zeros_). Every unit of a layer then stays identical: symmetry is never broken.',
      {},
    ),
    scheme('constant', 'Every weight = value (PyTorch constant_).', { value: value('The constant') }),
    scheme('normal', 'N(mean, std²) (PyTorch normal_). The course\'s "randn × 10" is {std: 10}.', {
      mean: value('Mean (default 0)').optional(),
      std: std.describe('Standard deviation, ≥ 0.'),
    }),
    scheme('uniform', 'U[low, high) (PyTorch uniform_).', {
      low: value('Lower bound'),
      high: value('Upper bound, ≥ low'),
    }).refine((s) => s.low <= s.high, { path: ['high'], message: 'high must be ≥ low' }),
    scheme(
      'truncated_normal',
      'N(mean, std²) with draws beyond mean ± 2·std redrawn (Keras TruncatedNormal). The std is not corrected, so ' +
        "the values' std is ≈ 0.88·std (variance_scaling corrects it).",
      {
        mean: value('Mean (default 0)').optional(),
        std: std.describe('Standard deviation before truncation, ≥ 0.'),
      },
    ),
    scheme(
      'identity',
      'scale on the main diagonal W[i][i] (i < min(out, in)), zeros elsewhere (PyTorch eye_). A deep linear net of ' +
        'c·I layers without bias outputs exactly c^L·x: c = 1.5 explodes, 0.5 vanishes.',
      { scale: value('Diagonal value (default 1)').optional() },
    ),
    scheme(
      'xavier_normal',
      'Glorot: N(0, 2/(fan_in+fan_out)), a plain normal (PyTorch xavier_normal_, Keras glorot_normal).',
      {},
    ),
    scheme(
      'xavier_uniform',
      'Glorot: U[−l, l), l = √(6/(fan_in+fan_out)) = √3·std (PyTorch xavier_uniform_, Keras glorot_uniform).',
      {},
    ),
    scheme(
      'he_normal',
      'He/Kaiming: N(0, 2/fan), a plain normal (PyTorch kaiming_normal_ with a=0, nonlinearity="relu"; the course\'s ' +
        "randn·√(2/n_{l−1})). Keras' he_normal is truncated instead: use variance_scaling {scale: 2} for it.",
      { mode: fanMode },
    ),
    scheme(
      'he_uniform',
      'He/Kaiming: U[−l, l), l = √(6/fan) = √3·std (PyTorch kaiming_uniform_, a=0, relu).',
      {
        mode: fanMode,
      },
    ),
    scheme(
      'lecun_normal',
      'LeCun: truncated normal (±2σ) with std √(1/fan_in) after truncation (Keras lecun_normal).',
      {},
    ),
    scheme('lecun_uniform', 'LeCun: U[−l, l), l = √(3/fan_in) (Keras lecun_uniform).', {}),
    scheme(
      'variance_scaling',
      'Keras VarianceScaling: variance scale/n with n = fan_in, fan_out or (fan_in+fan_out)/2. truncated_normal ' +
        'draws N(0, scale/n) cut at ±2σ with the std divided by 0.87962566103423978 so the values keep variance ' +
        'scale/n; normal: std √(scale/n); uniform: limit √(3·scale/n).',
      {
        scale: finite(Number.MIN_VALUE, MAX_VALUE).optional().describe('Variance scale, > 0 (default 1).'),
        mode: z
          .enum(['fan_in', 'fan_out', 'fan_avg'])
          .optional()
          .describe('Fan used for n (default fan_in).'),
        distribution: z
          .enum(['normal', 'truncated_normal', 'uniform'])
          .optional()
          .describe('Distribution drawn from (default truncated_normal, as Keras).'),
      },
    ),
    scheme(
      'orthogonal',
      'A (semi-)orthogonal matrix from the QR of a standard normal draw, signs fixed by diag(R) (PyTorch orthogonal_).',
      {},
    ),
    scheme('matrix', 'Exactly the given weights.', {
      values: z
        .array(z.array(value('A weight')).max(MAX_UNITS))
        .max(MAX_UNITS)
        .describe(
          'W with shape (out, in) of the layer it initializes, row-major (PyTorch nn.Linear.weight).',
        ),
    }),
    scheme(
      'lsuv',
      'LSUV (Mishkin & Matas): orthogonal start, then layer by layer from the input, W is rescaled by ' +
        '√(gain²/Var(Z)) on a batch of up to 256 training rows until |Var(Z) − gain²| < tolerance.',
      {
        tolerance: finite(Number.MIN_VALUE, 10)
          .optional()
          .describe(`Stop when |Var(Z) − gain²| is below this, > 0 (default ${DEFAULTS.lsuvTolerance}).`),
        maxIterations: integer(1, 100)
          .optional()
          .describe(`Most rescaling passes per layer, 1..100 (default ${DEFAULTS.lsuvMaxIterations}).`),
      },
    ),
  ])
  .meta({
    id: 'InitScheme',
    description:
      'A weight-initialization scheme, chosen by `scheme`. W is (out, in); fan_in = in, fan_out = out. Random ' +
      'schemes draw in row-major order of W from the init seed, so the same spec gives the same bits.',
  });

export const BiasInitSchema = z
  .discriminatedUnion('scheme', [
    z.strictObject({ scheme: z.literal('zeros') }).describe('All zeros (the default).'),
    z
      .strictObject({ scheme: z.literal('constant'), value: value('Every bias entry') })
      .describe('A constant.'),
    z
      .strictObject({
        scheme: z.literal('vector'),
        values: z.array(value('A bias entry')).max(MAX_UNITS).describe('b itself, shape (out).'),
      })
      .describe('Exactly the given vector.'),
  ])
  .meta({
    id: 'BiasInit',
    description: "How to initialize a layer's bias b (out). Layers without bias ignore it.",
  });

export const InitSpecSchema = z
  .strictObject({
    weights: InitSchemeSchema,
    overrides: z
      .array(
        z
          .strictObject({
            layer: integer(0, MAX_LAYERS - 1).describe(
              '0-based index of the layer (0 is the first hidden layer).',
            ),
            weights: InitSchemeSchema.optional(),
            bias: BiasInitSchema.optional(),
          })
          .describe('Per-layer override of the weight and/or bias scheme.'),
      )
      .max(MAX_LAYERS)
      .optional()
      .describe('Per-layer overrides; each layer at most once.'),
    bias: BiasInitSchema.optional(),
    seed: seed("Seed of the initializer's PRNG (default 0)").optional(),
    rng: z
      .enum(INIT_RNGS)
      .optional()
      .describe(
        'The PRNG the weights are drawn from. "xoshiro" (default): our xoshiro128**. "numpy": numpy\'s legacy ' +
          'generator, as `np.random.seed(seed)` then one draw per layer in order, so that normal {std} is ' +
          '`np.random.randn(out, in) * std` and he_normal `np.random.randn(out, in) * np.sqrt(2 / in)` bit for bit ' +
          "(the course's initialize_parameters_random / _he with seed 3). It honours zeros, constant, identity, " +
          'matrix, normal, uniform, xavier_normal/uniform, he_normal/uniform, lecun_uniform and variance_scaling ' +
          'with distribution normal or uniform; any other scheme is refused (422 naming the field).',
      ),
  })
  .meta({
    id: 'InitSpec',
    description: '`weights` applies to every layer without an override; `bias` (default zeros) likewise.',
  });

// Drift checks against the core's types.
export type _InitChecks = [
  Check<Mirrors<z.infer<typeof InitSchemeSchema>, InitScheme>>,
  Check<Mirrors<z.infer<typeof BiasInitSchema>, BiasInit>>,
  Check<Mirrors<z.infer<typeof InitSpecSchema>, InitSpec>>,
];
