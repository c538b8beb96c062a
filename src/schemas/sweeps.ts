// Schemas of the /v1/sweeps resources: a sweep request (grid or trainability map), a sweep with its results table,
// lists, and the messages of its stream.
import { z } from 'zod';
import { THEORY_ACTIVATIONS, type TheoryActivation } from '../core/index.ts';
import { finite, integer, JsonNumber, seed, storableText } from './common.ts';
import { queryInt } from './query.ts';
import { RunStatusSchema } from './runs.ts';
import { LayerSpecSchema, MAX_LAYERS, MAX_UNITS, RunSpecSchema } from './specs.ts';

/** Most points one sweep may expand to (repeats included); SWEEP_MAX_POINTS may lower it. */
export const MAX_SWEEP_POINTS = 10_000;
/** Most grid dimensions. */
export const MAX_SWEEP_AXES = 8;

export const SWEEP_KINDS = ['grid', 'trainability'] as const;
export const SWEEP_STATUSES = ['queued', 'running', 'finished', 'cancelled'] as const;

// One pattern per string in the OpenAPI document (storableText's); the leading "/" is checked by a refinement.
const pointer = storableText(2, 500)
  .refine((s) => s.startsWith('/'), 'a JSON pointer starting with "/" (e.g. /init/weights/gain)')
  .describe(
    'A JSON pointer (RFC 6901) into the base run spec, e.g. /init/weights/gain or /training/optimizer/lr.',
  );

export const SweepFieldSchema = z.union([z.enum(['depth', 'width', 'activation']), pointer]).meta({
  id: 'SweepField',
  description:
    'The field an axis varies: a JSON pointer into the base spec (missing objects on the way are created), or a ' +
    'shortcut: `depth` (the number of hidden layers: the layer template repeated N times, the output layer kept), ' +
    '`width` (units of every hidden layer), `activation` (of every hidden layer).',
});

const SweepValueSchema = z
  .union([
    z.number(),
    storableText(0, 10_000),
    z.boolean(),
    z.null(),
    z.record(storableText(0, 10_000), z.unknown()),
    z.array(z.unknown()),
  ])
  .describe('Any JSON value: it is written at the field as it is.');

export const SweepAxisSchema = z
  .strictObject({
    field: SweepFieldSchema,
    values: z
      .array(SweepValueSchema)
      .min(1)
      .max(MAX_SWEEP_POINTS)
      .describe('The values the field takes, in order.'),
  })
  .meta({ id: 'SweepAxis', description: 'One axis of a sweep: a field and its values.' });

const AxisEntrySchema = z
  .union([
    SweepAxisSchema,
    z
      .strictObject({
        zip: z
          .array(SweepAxisSchema)
          .min(2)
          .max(MAX_SWEEP_AXES)
          .describe('Axes of equal length advanced together: the i-th point takes the i-th value of each.'),
      })
      .describe('Zipped axes: one grid dimension.'),
  ])
  .describe('A grid dimension: one axis, or zipped axes.');

const common = {
  name: storableText(1, 200)
    .optional()
    .describe('A display name; its runs are named after it and their values.'),
  seeds: z
    .array(seed('A repeat seed'))
    .min(1)
    .max(100)
    .optional()
    .describe(
      'Repeats: every point is run once per seed, the seed written at `seedField` (default /init/seed).',
    ),
  seedField: pointer.optional().describe('Where a repeat writes its seed (default /init/seed).'),
  maxConcurrent: integer(1, 256)
    .optional()
    .describe(
      'Most of its points running at once, over all instances (default SWEEP_MAX_CONCURRENT): the rest wait, and ' +
        'single runs and other sweeps are claimed before this sweep takes another worker.',
    ),
  targetLoss: finite(-1e300, 1e300)
    .optional()
    .describe('Training points: the results table reports the first recorded step whose loss is ≤ this.'),
};

export const GridSweepRequestSchema = z
  .strictObject({
    kind: z.literal('grid'),
    ...common,
    base: RunSpecSchema.describe('The run every point starts from (any kind); its `name` is replaced.'),
    axes: z
      .array(AxisEntrySchema)
      .min(1)
      .max(MAX_SWEEP_AXES)
      .optional()
      .describe('A grid: every combination of the axes, the first axis slowest. Give axes or points.'),
    points: z
      .array(z.record(SweepFieldSchema, SweepValueSchema))
      .min(1)
      .max(MAX_SWEEP_POINTS)
      .optional()
      .describe('Explicit points, each a map from field to value. Give axes or points.'),
    layerTemplate: LayerSpecSchema.optional().describe(
      'The hidden layer `depth` repeats (default: the base’s first layer).',
    ),
  })
  .meta({
    id: 'GridSweepRequest',
    description:
      'A sweep over a base spec: a grid of axes, zipped axes, or explicit points, each point a run.',
  });

const theoryActivations = THEORY_ACTIVATIONS as readonly TheoryActivation[] as [
  TheoryActivation,
  ...TheoryActivation[],
];

const VarianceAxis = z
  .union([
    z.array(finite(1e-6, 100)).min(1).max(100),
    z.strictObject({
      from: finite(1e-6, 100).describe('The first value.'),
      to: finite(1e-6, 100).describe('The last value.'),
      steps: integer(1, 100).describe('How many values, 1..100.'),
    }),
  ])
  .describe('A list of values in (0, 100], or {from, to, steps} evenly spaced.');

export const TrainabilitySweepRequestSchema = z
  .strictObject({
    kind: z.literal('trainability'),
    ...common,
    activation: z.enum(theoryActivations).describe('The activation of every hidden layer.'),
    width: integer(1, MAX_UNITS).optional().describe('Units of every hidden layer (default 32).'),
    depths: z
      .array(integer(1, MAX_LAYERS - 1))
      .min(1)
      .max(100)
      .describe('Rows of the map: numbers of hidden layers.'),
    sigmaW2: VarianceAxis.describe('Columns of the map: σ_w² = fan_in·Var(W), drawn as N(0, σ_w²/fan_in).'),
    cell: z
      .enum(['probe', 'train'])
      .optional()
      .describe(
        'What each cell runs (default probe): a probe at initialization on N(0, 1) inputs of the width, or a short ' +
          'training run (default: 3-class spirals, softmax, SGD lr 0.05, 300 steps).',
      ),
    base: RunSpecSchema.optional().describe(
      'The run each cell starts from instead of the default: its output layer, loss, data and training are kept; ' +
        'its hidden layers become depth × {width, activation} and its weights N(0, σ_w²/fan_in) with zero bias.',
    ),
  })
  .meta({
    id: 'TrainabilitySweepRequest',
    description:
      'The trainability map (Schoenholz et al. 2017): depth × σ_w² for one activation and width at σ_b = 0, each ' +
      'cell a probe or a short training run, with the mean-field theory drawn on top (the critical line χ₁ = 1 and ' +
      'the depth limit 6·ξ_c).',
  });

const gridExample = {
  kind: 'grid',
  name: 'gain × init',
  base: {
    kind: 'probe',
    network: {
      inputSize: 64,
      layers: [
        { units: 64, activation: 'tanh' },
        { units: 64, activation: 'tanh' },
        { units: 64, activation: 'tanh' },
        { units: 1, activation: 'linear' },
      ],
      loss: 'mse',
    },
    init: { weights: { scheme: 'xavier_normal' } },
    data: { source: 'normal', n: 256, features: 64, targets: 'regression', outputs: 1 },
  },
  axes: [
    { field: '/init/weights/scheme', values: ['xavier_normal', 'lecun_uniform', 'orthogonal'] },
    { field: '/init/weights/gain', values: [0.5, 1, 5 / 3, 2] },
  ],
  seeds: [1, 2],
  maxConcurrent: 2,
};

const mapExample = {
  kind: 'trainability',
  name: 'tanh trainability',
  activation: 'tanh',
  width: 32,
  depths: [2, 5, 10, 20, 40],
  sigmaW2: { from: 0.5, to: 3, steps: 6 },
};

export const SweepRequestSchema = z
  .discriminatedUnion('kind', [GridSweepRequestSchema, TrainabilitySweepRequestSchema])
  .meta({
    id: 'SweepRequest',
    description:
      'A sweep, chosen by `kind`: grid (axes or points over a base spec) or trainability (the depth × σ_w² map). ' +
      'Every point is validated as a run spec before anything is stored, and the whole sweep is budget-checked.',
    examples: [gridExample, mapExample],
  });
export type SweepRequest = z.infer<typeof SweepRequestSchema>;
export type GridSweepRequest = z.infer<typeof GridSweepRequestSchema>;
export type TrainabilitySweepRequest = z.infer<typeof TrainabilitySweepRequestSchema>;

export const SweepStatusSchema = z.enum(SWEEP_STATUSES).meta({
  id: 'SweepStatus',
  description:
    'queued (no point started), running (some point queued or running), finished (every point final), cancelled ' +
    '(cancelled, every point final).',
});
export type SweepStatus = z.infer<typeof SweepStatusSchema>;

const count = (what: string) => z.int().min(0).describe(what);

export const SweepProgressSchema = z
  .object({
    total: count('Points in the sweep.'),
    done: count('Points in a final status.'),
    queued: count('Points queued.'),
    running: count('Points running.'),
    succeeded: count('Points succeeded.'),
    failed: count('Points failed.'),
    cancelled: count('Points cancelled.'),
    diverged: count('Points diverged.'),
  })
  .describe('Points per status.');
export type SweepProgress = z.infer<typeof SweepProgressSchema>;

export const SweepLinksSchema = z
  .object({
    self: z.string().describe('This sweep: GET its results (also as CSV), DELETE a finished sweep.'),
    runs: z.string().describe('Its runs: GET /v1/runs?sweep=….'),
    stream: z.string().describe('WebSocket of its point results (history, then live).'),
    cancel: z.string().describe('POST to cancel its queued and running points.'),
  })
  .describe("Relative URLs of the sweep's resources.");

export const SweepListItemSchema = z
  .object({
    id: z.uuid().describe('Sweep id.'),
    kind: z.enum(SWEEP_KINDS).describe('grid or trainability.'),
    name: z.string().nullable().describe('Display name, or null.'),
    status: SweepStatusSchema,
    createdAt: z.iso.datetime().describe('When the sweep was created (ISO 8601, UTC).'),
    fields: z
      .array(z.string())
      .describe('The fields its points vary (`seed` for repeats), in the values’ order.'),
    maxConcurrent: z.int().min(1).describe('Most of its points running at once.'),
    targetLoss: z.number().nullable().describe('The loss `stepsToTarget` is measured against, or null.'),
    cancelRequested: z.boolean().describe('Whether the sweep was cancelled.'),
    progress: SweepProgressSchema,
    links: SweepLinksSchema,
  })
  .meta({
    id: 'SweepListItem',
    description: 'A sweep without its results table (as in lists and stream messages).',
  });
export type SweepListItem = z.infer<typeof SweepListItemSchema>;

export const SweepPointSchema = z
  .object({
    index: z.int().min(0).describe('0-based position in the sweep.'),
    runId: z.uuid().describe('The point’s run: /v1/runs/{runId}.'),
    values: z.record(z.string(), z.unknown()).describe('Field → value of this point.'),
    status: RunStatusSchema,
    finalLoss: JsonNumber.describe(
      'train: loss after the last update; probe: loss at initialization; else null.',
    ),
    trainAccuracy: JsonNumber.describe('train: final training accuracy, or null.'),
    testAccuracy: JsonNumber.describe('train: final test accuracy, or null.'),
    verdict: z
      .string()
      .nullable()
      .describe('The diagnosis verdict (healthy, vanishing, exploding, …), or null.'),
    gradRatio: JsonNumber.describe(
      'The gradient the first layer receives over the one the last layer receives — RMS of ∂loss/∂Z (deltaRms) of ' +
        'layer 0 over that of the output layer — at the first recorded step (initialization): ≪ 1 vanishing, ≫ 1 ' +
        'exploding; null before it is recorded or when not finite.',
    ),
    log10GradRatio: JsonNumber.describe('log10 of gradRatio.'),
    stepsToTarget: z
      .int()
      .nullable()
      .describe('First recorded step with loss ≤ targetLoss; null when never (or no target asked).'),
    divergenceStep: z.int().nullable().describe('Step at which training diverged, or null.'),
  })
  .meta({ id: 'SweepPoint', description: 'One row of a sweep’s results table.' });
export type SweepPoint = z.infer<typeof SweepPointSchema>;

const Infinite = JsonNumber;

export const TrainabilityMapSchema = z
  .object({
    activation: z.enum(theoryActivations).describe('The activation of every hidden layer.'),
    width: z.int().min(1).describe('Units of every hidden layer.'),
    cell: z.enum(['probe', 'train']).describe('What each cell ran.'),
    sigmaB2: z.number().describe('σ_b² of every cell (0: zero bias).'),
    depths: z.array(z.int()).describe('Rows, top to bottom.'),
    sigmaW2: z.array(z.number()).describe('Columns, left to right.'),
    cells: z
      .array(z.array(z.array(z.int())))
      .describe('cells[row][column]: the indices of the points (one per seed) of that cell.'),
    theory: z
      .object({
        criticalSigmaW2: Infinite.describe(
          'σ_w² where χ₁ = 1 at this σ_b² (the critical line), null if none.',
        ),
        columns: z
          .array(
            z.object({
              sigmaW2: z.number().describe('The column’s σ_w².'),
              chi1: Infinite.describe('χ₁ = σ_w²·E[φ’(√q* z)²].'),
              phase: z.enum(['ordered', 'critical', 'chaotic']).describe('The mean-field phase.'),
              xiC: Infinite.describe('Correlation depth scale ξ_c (null = ∞, at criticality).'),
              depthLimit: Infinite.describe(
                '6·ξ_c: the depth beyond which nets were found untrainable (null = ∞).',
              ),
            }),
          )
          .describe('The theory at each column.'),
        curve: z
          .array(
            z.object({
              sigmaW2: z.number().describe('σ_w² of the sample.'),
              depthLimit: Infinite.describe('6·ξ_c there (null = ∞).'),
            }),
          )
          .describe('6·ξ_c on a fine σ_w² grid over the columns’ range, to draw as a curve (null = ∞).'),
      })
      .describe('The mean-field theory drawn on the map (src/core/theory).'),
  })
  .meta({ id: 'TrainabilityMap', description: 'The axes of a trainability map and the theory drawn on it.' });
export type TrainabilityMap = z.infer<typeof TrainabilityMapSchema>;

export const SweepSchema = SweepListItemSchema.extend({
  request: SweepRequestSchema.describe('The request as it was sent.'),
  points: z.array(SweepPointSchema).describe('The results table, one row per point in order.'),
  map: TrainabilityMapSchema.nullable().describe('Trainability sweeps: the map and its theory; else null.'),
}).meta({ id: 'Sweep', description: 'A sweep: its progress and results table (also as CSV: `format=csv`).' });
export type Sweep = z.infer<typeof SweepSchema>;

export const SweepListSchema = z
  .object({
    items: z.array(SweepListItemSchema).describe('Sweeps, newest first.'),
    nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page.'),
  })
  .meta({ id: 'SweepList', description: 'One page of sweeps.' });

export const ListSweepsQuerySchema = z.strictObject({
  cursor: storableText(1, 500).optional().describe("Opaque cursor from a previous page's nextCursor."),
  limit: queryInt(1, 100).default(20).describe('Sweeps per page, 1..100 (default 20).'),
});

export const SweepIdParamsSchema = z.strictObject({ id: z.uuid().describe('Sweep id.') });

export const SweepQuerySchema = z.strictObject({
  format: z
    .enum(['json', 'csv'])
    .optional()
    .describe('json (default) or csv (the results table, a row per point); also chosen by Accept: text/csv.'),
});

export const CreateSweepResponseSchema = z
  .object({
    id: z.uuid().describe('Id of the new sweep.'),
    status: SweepStatusSchema,
    pointCount: z.int().min(1).describe('Runs queued, one per point.'),
    links: SweepLinksSchema,
  })
  .meta({ id: 'CreateSweepResponse', description: 'The sweep was accepted and its points queued (202).' });

export const CancelSweepResponseSchema = z
  .object({
    id: z.uuid().describe('Sweep id.'),
    cancelled: z.int().min(0).describe('Queued points cancelled at once.'),
    stopping: z.int().min(0).describe('Running points that stop before their next step.'),
    message: z.string().describe('What happened, in words.'),
  })
  .meta({ id: 'CancelSweepResponse', description: 'Outcome of a sweep cancel request.' });

const seq = z.int().min(0).describe('Sequence number of the message on this connection, from 0.');

export const SweepStreamMessageSchema = z
  .discriminatedUnion('type', [
    z
      .object({ type: z.literal('hello'), seq, sweep: SweepListItemSchema })
      .describe('First message: the sweep as it was when the client connected.'),
    z
      .object({ type: z.literal('point'), seq, point: SweepPointSchema })
      .describe('A point reached a final status (history first, then live; each point once).'),
    z
      .object({ type: z.literal('end'), seq, sweep: SweepListItemSchema })
      .describe('Every point is final; the server then closes the socket (1000).'),
  ])
  .meta({
    id: 'SweepStreamMessage',
    description:
      'A message of WS /v1/sweeps/{id}/stream: hello, every finished point’s row (those already finished first, ' +
      'then each as it finishes, no gap and no duplicate), then end.',
  });
export type SweepStreamMessage = z.infer<typeof SweepStreamMessageSchema>;

export const SWEEP_EVENTS = ['created', 'point', 'finished', 'cancelled', 'deleted'] as const;
export type SweepEvent = (typeof SWEEP_EVENTS)[number];
