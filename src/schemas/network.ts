// Schemas of a dense network: activations, losses, layers, the network spec, and weights as JSON matrices.
import { z } from 'zod';
import {
  ACTIVATIONS,
  type ActivationName,
  DEFAULTS,
  type LayerSpec,
  type LayerWeights,
  LOSSES,
  type LossName,
  type NetworkSpec,
} from '../core/index.ts';
import { type Check, finite, integer, type Mirrors } from './common.ts';

/** Widest layer (and input) a spec may ask for. */
export const MAX_UNITS = 4096;
/** Deepest network a spec may ask for. */
export const MAX_LAYERS = 200;

export const ActivationSchema = z.enum(ACTIVATIONS).meta({
  id: 'Activation',
  description:
    'Element-wise activation of a dense layer. linear: f(z) = z; sigmoid: 1/(1+e^−z); tanh; relu: max(0, z); ' +
    `leaky_relu: z for z > 0, else slope·z (slope = network.leakySlope, default ${DEFAULTS.leakySlope} as PyTorch); ` +
    `elu: z for z > 0, else α·(e^z − 1) (α = network.eluAlpha, default ${DEFAULTS.eluAlpha}); softplus: ln(1 + e^z); ` +
    'softmax: row-wise over the layer, output layer only, and only with categorical_cross_entropy.',
});

export const LossSchema = z.enum(LOSSES).meta({
  id: 'Loss',
  description:
    'Loss of the output layer, averaged over the batch (PyTorch reduction="mean"). binary_cross_entropy needs a ' +
    'sigmoid output and is also averaged over the outputs (as torch.nn.BCEWithLogitsLoss); ' +
    'categorical_cross_entropy needs a softmax output (as torch.nn.CrossEntropyLoss on the logits; labels are ' +
    'class indices); both are computed fused from the logits Z, in the numerically stable form. mse takes any ' +
    'output activation, is averaged over the outputs too and has no ½ factor (as torch.nn.MSELoss).',
});

export const LayerSpecSchema = z
  .strictObject({
    units: integer(1, MAX_UNITS).describe(`Output width n_l of this dense layer (1..${MAX_UNITS}).`),
    activation: ActivationSchema,
    bias: z
      .boolean()
      .optional()
      .describe('Whether the layer adds a bias vector b of shape (units) (default true).'),
  })
  .meta({
    id: 'LayerSpec',
    description:
      'One dense layer: Z = X·Wᵀ + b, A = f(Z), with X (batch, in), W (out, in) as PyTorch nn.Linear.weight ' +
      "(the course's W[l] of shape (n_l, n_{l−1})), b (out), Z and A (batch, out).",
  });

export const NetworkSpecSchema = z
  .strictObject({
    inputSize: integer(1, MAX_UNITS).describe(
      `Features per sample, n_0 (1..${MAX_UNITS}); must match the data.`,
    ),
    layers: z
      .array(LayerSpecSchema)
      .min(1)
      .max(MAX_LAYERS)
      .describe(`Dense layers in order (1..${MAX_LAYERS}); the last one is the output layer.`),
    loss: LossSchema,
    leakySlope: finite(0, 1)
      .optional()
      .describe(
        `Negative-side slope of leaky_relu, in [0, 1] (default ${DEFAULTS.leakySlope}, PyTorch's negative_slope).`,
      ),
    eluAlpha: finite(0, 10).optional().describe(`α of elu, in [0, 10] (default ${DEFAULTS.eluAlpha}).`),
    l2: finite(0, 1000)
      .optional()
      .describe(
        "L2 regularization strength λ in [0, 1000] (default 0). The loss adds λ/(2·batch)·Σ_l ‖W_l‖² (the course's " +
          "convention; biases excluded), so the gradient adds (λ/batch)·W. PyTorch's weight_decay=wd on the " +
          'mean loss corresponds to λ = wd·batch.',
      ),
  })
  .meta({
    id: 'NetworkSpec',
    description:
      'A fully connected network. Forward pass of layer l: Z_l = A_{l−1}·W_lᵀ + b_l, A_l = f_l(Z_l), with A_0 = X ' +
      "(batch, inputSize) and W_l (out, in) like PyTorch nn.Linear. The output layer's activation must fit the " +
      'loss (sigmoid for binary_cross_entropy, softmax for categorical_cross_entropy).',
  });

/** Weights of one layer as JSON: what a run exports and what /v1/evaluate takes (finite numbers only). */
export const LayerWeightsSchema = z
  .strictObject({
    W: z
      .array(z.array(z.number()).max(MAX_UNITS))
      .max(MAX_UNITS)
      .describe(
        'Weight matrix, shape (out, in), row-major: W[j][k] connects input k to unit j (PyTorch nn.Linear.weight).',
      ),
    b: z
      .array(z.number())
      .max(MAX_UNITS)
      .nullable()
      .describe('Bias vector, shape (out), or null for a layer without bias (PyTorch nn.Linear.bias).'),
  })
  .meta({ id: 'LayerWeights', description: "One dense layer's parameters, W (out, in) and b (out)." });

// Drift checks against the core's types.
export type _NetworkChecks = [
  Check<Mirrors<z.infer<typeof ActivationSchema>, ActivationName>>,
  Check<Mirrors<z.infer<typeof LossSchema>, LossName>>,
  Check<Mirrors<z.infer<typeof LayerSpecSchema>, LayerSpec>>,
  Check<Mirrors<z.infer<typeof NetworkSpecSchema>, NetworkSpec>>,
  Check<Mirrors<z.infer<typeof LayerWeightsSchema>, LayerWeights>>,
];
