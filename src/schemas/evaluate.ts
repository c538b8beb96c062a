// Schemas of POST /v1/evaluate: one forward and backward pass of given weights on given samples, to compare with PyTorch.
import { z } from 'zod';
import { layoutOf } from '../core/index.ts';
import { JsonNumber } from './common.ts';
import { LayerWeightsSchema, MAX_UNITS, NetworkSpecSchema } from './network.ts';

/** Most samples one evaluate request may carry. */
export const MAX_EVALUATE_SAMPLES = 512;
/** Most parameters (Σ in·out + bias) of the network an evaluate request may carry. */
export const MAX_EVALUATE_PARAMETERS = 100_000;

/** Returned in every evaluate response, and shown in the API docs: how to reproduce the numbers elsewhere. */
export const EVALUATE_CONVENTIONS =
  'float64 throughout. Layer l: Z = A_prev·Wᵀ + b with W (out, in) and b (out) exactly as PyTorch nn.Linear ' +
  "(weight, bias), A = f(Z). outputs are the last layer's A (after sigmoid/softmax). dataLoss is averaged over " +
  'the batch, and over the outputs for binary_cross_entropy and mse (PyTorch reduction="mean": ' +
  'BCEWithLogitsLoss, CrossEntropyLoss on the logits with class-index or probability labels, MSELoss; mse has ' +
  'no ½). ' +
  'l2Penalty = λ/(2·batch)·Σ_l ‖W_l‖² (biases excluded); loss = dataLoss + l2Penalty. gradients are ∂loss/∂W ' +
  "and ∂loss/∂b of that total loss, shaped like W and b, so they match PyTorch's .grad after loss.backward() " +
  '(the L2 term contributes (λ/batch)·W). leaky_relu uses slope 0.01 unless network.leakySlope says otherwise; ' +
  'the derivative of relu at exactly 0 is taken as 0, as PyTorch.';

export const EvaluateRequestSchema = z
  .strictObject({
    network: NetworkSpecSchema,
    weights: z
      .array(LayerWeightsSchema)
      .max(200)
      .describe(
        'One entry per layer of the network, in order: W (out, in) and b (out), or b null for a layer without bias.',
      ),
    features: z
      .array(z.array(z.number()).max(MAX_UNITS))
      .min(1)
      .max(MAX_EVALUATE_SAMPLES)
      .describe(`The batch X, shape (batch, inputSize), 1..${MAX_EVALUATE_SAMPLES} rows.`),
    labels: z
      .union([
        z.array(z.number()).max(MAX_EVALUATE_SAMPLES),
        z.array(z.array(z.number()).max(MAX_UNITS)).max(MAX_EVALUATE_SAMPLES),
      ])
      .describe(
        'One label per row of features: a class index (binary 0/1 or categorical 0..classes−1), a target number, ' +
          'a target vector (batch, outputs) for mse and multi-label binary_cross_entropy, or a probability vector ' +
          '(batch, outputs) for categorical_cross_entropy (one-hot or soft labels: each in [0, 1], summing to 1).',
      ),
    activations: z
      .boolean()
      .optional()
      .describe("true: also return every layer's pre-activations Z and activations A (default false)."),
  })
  .superRefine((req, ctx) => {
    const layout = layoutOf(req.network);
    if (layout.size > MAX_EVALUATE_PARAMETERS) {
      ctx.addIssue({
        code: 'custom',
        path: ['network'],
        message: `the network has ${layout.size} parameters; evaluate takes at most ${MAX_EVALUATE_PARAMETERS}`,
      });
      return;
    }
    if (req.weights.length !== layout.layers.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['weights'],
        message: `got weights for ${req.weights.length} layers, the network has ${layout.layers.length}`,
      });
      return;
    }
    layout.layers.forEach(({ fanIn, fanOut, hasBias }, l) => {
      const { W, b } = req.weights[l];
      const badRow = W.findIndex((row) => row.length !== fanIn);
      if (W.length !== fanOut || badRow >= 0) {
        ctx.addIssue({
          code: 'custom',
          path: badRow >= 0 && W.length === fanOut ? ['weights', l, 'W', badRow] : ['weights', l, 'W'],
          message: `layer ${l} W must be ${fanOut}×${fanIn} (out, in)`,
        });
      }
      if (hasBias !== (b !== null) || (b !== null && b.length !== fanOut)) {
        ctx.addIssue({
          code: 'custom',
          path: ['weights', l, 'b'],
          message: hasBias
            ? `layer ${l} b must have ${fanOut} entries`
            : `layer ${l} has no bias: b must be null`,
        });
      }
    });
    const badRow = req.features.findIndex((row) => row.length !== layout.inputSize);
    if (badRow >= 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['features', badRow],
        message: `every row of features must have inputSize = ${layout.inputSize} values`,
      });
    }
    if (req.labels.length !== req.features.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['labels'],
        message: `got ${req.labels.length} labels for ${req.features.length} rows of features`,
      });
    }
  })
  .meta({
    id: 'EvaluateRequest',
    description:
      `A network, its weights and a batch (at most ${MAX_EVALUATE_SAMPLES} samples and ` +
      `${MAX_EVALUATE_PARAMETERS} parameters). ${EVALUATE_CONVENTIONS}`,
  });
export type EvaluateRequest = z.infer<typeof EvaluateRequestSchema>;

export const EvaluateResponseSchema = z
  .object({
    outputs: z
      .array(z.array(JsonNumber))
      .describe("The network's outputs A_L, shape (batch, outputs), after the output activation."),
    logits: z
      .array(z.array(JsonNumber))
      .describe(
        "The output layer's pre-activations Z_L, shape (batch, outputs): the logits that BCEWithLogitsLoss and " +
          'CrossEntropyLoss take.',
      ),
    layers: z
      .array(
        z.object({
          Z: z.array(z.array(JsonNumber)).describe('Pre-activations X·Wᵀ + b, shape (batch, units).'),
          A: z.array(z.array(JsonNumber)).describe('Activations f(Z), shape (batch, units).'),
        }),
      )
      .nullable()
      .describe('With activations: true, every layer in order (the last is logits and outputs); else null.'),
    loss: JsonNumber.describe('dataLoss + l2Penalty (null when not finite).'),
    dataLoss: JsonNumber.describe(
      'The loss averaged over the batch (and outputs for BCE/MSE), without the penalty.',
    ),
    l2Penalty: JsonNumber.describe('λ/(2·batch)·Σ‖W‖² (0 when network.l2 is 0 or absent).'),
    gradients: z
      .array(
        z.object({
          dW: z.array(z.array(JsonNumber)).describe('∂loss/∂W, shape (out, in) like W.'),
          db: z
            .array(JsonNumber)
            .nullable()
            .describe('∂loss/∂b, shape (out); null for a layer without bias.'),
        }),
      )
      .describe('Per layer, gradients of `loss` (penalty included).'),
    conventions: z.string().describe('The conventions above, spelled out in every response.'),
  })
  .meta({
    id: 'EvaluateResponse',
    description: `Outputs, loss and gradients of the batch. ${EVALUATE_CONVENTIONS}`,
  });
export type EvaluateResponse = z.infer<typeof EvaluateResponseSchema>;
