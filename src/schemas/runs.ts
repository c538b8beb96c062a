// Schemas of the /v1/runs resources: a run, run lists, their queries, metrics for charts, and exported models.
import { z } from 'zod';
import { LAYER_FIELDS } from '../core/index.ts';
import { RUN_STATUSES } from '../model/status.ts';
import { JsonNumber, storableText } from './common.ts';
import { queryInt } from './query.ts';
import { RunDiagnosisSchema, RunResultSchema, TrainSummarySchema } from './results.ts';
import { ActivationSchema, MAX_LAYERS, RunSpecSchema } from './specs.ts';

/** The statuses, for the API's clients (spelled once, in src/model/status.ts). */
export { FINAL_STATUSES, RUN_STATUSES } from '../model/status.ts';

export const RUN_KINDS = ['train', 'probe', 'gradcheck'] as const;

export const RunStatusSchema = z.enum(RUN_STATUSES).meta({
  id: 'RunStatus',
  description:
    'queued → running → succeeded | diverged (the loss or a gradient became NaN/Infinity) | failed (an error; ' +
    'see `error`) | cancelled. A queued or running run can be cancelled.',
});
export type RunStatus = z.infer<typeof RunStatusSchema>;

export const RunKindSchema = z.enum(RUN_KINDS).meta({ id: 'RunKind', description: 'What the run computes.' });

const isoTime = (what: string) => z.iso.datetime().nullable().describe(`${what} (ISO 8601, UTC), or null.`);

export const RunLinksSchema = z
  .object({
    self: z.string().describe('This run: GET for its state, DELETE to remove a finished run.'),
    stream: z.string().describe("WebSocket of the run's live progress (history first, then live steps)."),
    metrics: z.string().describe('Recorded per-step statistics, columnar for charts.'),
    model: z.string().describe('Initial and final weights as JSON matrices.'),
    cancel: z.string().describe('POST to cancel a queued or running run.'),
  })
  .describe("Relative URLs of the run's resources.");

export const RunListItemSchema = z
  .object({
    id: z.uuid().describe('Run id.'),
    kind: RunKindSchema,
    name: z.string().nullable().describe('Display name given at creation, or null.'),
    status: RunStatusSchema,
    createdAt: z.iso.datetime().describe('When the run was created (ISO 8601, UTC).'),
    startedAt: isoTime('When a worker started the run (its latest attempt)'),
    finishedAt: isoTime('When the run reached a final status'),
    attempts: z
      .int()
      .min(0)
      .describe('How many times a worker claimed the run (> 1 after a crashed instance).'),
    progress: z
      .object({
        step: z.int().nullable().describe('Last recorded step (0-based), or null before the first.'),
        totalSteps: z.int().min(0).describe('Steps the run plans (1 for probes and gradient checks).'),
      })
      .describe('How far the run got.'),
    summary: TrainSummarySchema.nullable().describe(
      'Training runs, once finished: their outcome; else null.',
    ),
    diagnosis: RunDiagnosisSchema.nullable().describe('Vanishing/exploding verdict, once known.'),
    result: RunResultSchema.nullable().describe('gradcheck and probe runs: their result, once finished.'),
    error: z
      .object({
        code: z.string().describe('Stable error code.'),
        message: z.string().describe('What went wrong.'),
      })
      .nullable()
      .describe('Why a failed run failed (also a spec the core rejected), or null.'),
    sweepId: z
      .uuid()
      .nullable()
      .describe('The sweep this run is a point of (GET /v1/sweeps/{sweepId}), or null.'),
    sweepIndex: z.int().min(0).nullable().describe("The run's 0-based point index in its sweep, or null."),
    links: RunLinksSchema,
  })
  .meta({ id: 'RunListItem', description: 'A run without its spec (as in lists and stream messages).' });
export type RunListItem = z.infer<typeof RunListItemSchema>;

export const RunSchema = RunListItemSchema.extend({ spec: RunSpecSchema }).meta({
  id: 'Run',
  description: 'A run: its spec, where it stands, and what it found.',
});
export type Run = z.infer<typeof RunSchema>;

export const RunListSchema = z
  .object({
    items: z.array(RunListItemSchema).describe('Runs, newest first.'),
    nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page.'),
  })
  .meta({ id: 'RunList', description: 'One page of runs.' });

export const ListRunsQuerySchema = z.strictObject({
  status: RunStatusSchema.optional().describe('Only runs in this status.'),
  kind: RunKindSchema.optional().describe('Only runs of this kind.'),
  sweep: z.uuid().optional().describe('Only the points of this sweep.'),
  name: storableText(1, 200)
    .optional()
    .describe('Only runs whose name contains this text (case-insensitive).'),
  cursor: storableText(1, 500).optional().describe("Opaque cursor from a previous page's nextCursor."),
  limit: queryInt(1, 100).default(20).describe('Runs per page, 1..100 (default 20).'),
});

export const RunIdParamsSchema = z.strictObject({ id: z.uuid().describe('Run id.') });

/** Longest comma-separated list accepted: Node's default header limit (16 KiB) bounds the request line anyway. */
const MAX_QUERY_LIST = 16_384;

/** Comma-separated list in a query string (a repeated parameter arrives as an array and is accepted too). */
function commaList<T extends z.ZodType<unknown, string>>(item: T) {
  return z
    .union([storableText(0, MAX_QUERY_LIST), z.array(storableText(0, MAX_QUERY_LIST))])
    .transform((v) =>
      (Array.isArray(v) ? v.join(',') : v)
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    )
    .pipe(z.array(item).min(1));
}

/** Steps are Postgres integers. */
export const MAX_STEP_NUMBER = 2 ** 31 - 1;
const queryStep = (what: string) => queryInt(0, MAX_STEP_NUMBER).optional().describe(what);

/** The JSON answer's default and largest number of steps (exports have no limit). */
export const METRICS_JSON_DEFAULT_POINTS = 2000;
export const METRICS_JSON_MAX_POINTS = 10_000;

export const METRICS_FORMATS = ['json', 'csv', 'ndjson'] as const;
export const EXPORT_LAYOUTS = ['long', 'wide'] as const;
export type ExportFormat = Exclude<(typeof METRICS_FORMATS)[number], 'json'>;
export type ExportLayout = (typeof EXPORT_LAYOUTS)[number];

export const MetricsQuerySchema = z.strictObject({
  from: queryStep('First step to include (default: the first recorded).'),
  to: queryStep('Last step to include (default: the last recorded).'),
  layers: commaList(queryInt(0, MAX_LAYERS - 1))
    .optional()
    .describe('Comma-separated 0-based layer indices, e.g. "0,3" (default: every layer).'),
  fields: commaList(z.string().pipe(z.enum(LAYER_FIELDS)))
    .optional()
    .describe(`Comma-separated statistics, a subset of ${LAYER_FIELDS.join(', ')} (default: all of them).`),
  format: z
    .enum(METRICS_FORMATS)
    .optional()
    .describe(
      '`json` (columns for charts), `csv` or `ndjson` (exports: every recorded step, streamed). ' +
        'Default: from the Accept header (`text/csv` → csv, `application/x-ndjson` → ndjson), else json.',
    ),
  layout: z
    .enum(EXPORT_LAYOUTS)
    .default('long')
    .describe(
      'Exports only. `long`: one row per (step, layer): step, loss, globalGradNorm, trainAccuracy, testAccuracy, ' +
        'layer, then the fields. `wide`: one row per step: the same scalars, then `layer<L>_<field>` per layer × field.',
    ),
  maxPoints: queryInt(2, MAX_STEP_NUMBER)
    .optional()
    .describe(
      `Most steps returned; more are thinned evenly, first and last kept. JSON: ${METRICS_JSON_DEFAULT_POINTS} by ` +
        `default, at most ${METRICS_JSON_MAX_POINTS} (400 beyond: export instead). CSV/NDJSON: every recorded step ` +
        'by default, any value ≥ 2 thins. Whether an answer was thinned is in the Gradscope-* response headers.',
    ),
});
export type MetricsQuery = z.output<typeof MetricsQuerySchema>;

const series = (what: string) => z.array(JsonNumber).describe(`${what}, one per entry of steps.`);

/** The counts every metrics answer carries as response headers (JSON answers also as fields). */
export const MetricsCountHeadersSchema = z.object({
  'gradscope-recorded-steps': z.string().describe('Steps recorded in [from, to] (an integer).'),
  'gradscope-returned-steps': z
    .string()
    .describe(
      'Steps in this answer (an integer): rows of a wide export; a long export has a row per layer of each.',
    ),
  'gradscope-downsampled': z
    .enum(['true', 'false'])
    .describe('`true` when recorded steps were left out to honour maxPoints.'),
});

export const MetricsSchema = z
  .object({
    runId: z.uuid().describe('Run id.'),
    fields: z
      .array(z.enum(LAYER_FIELDS))
      .describe('Statistics returned, in the order of values[layer][field].'),
    layers: z
      .array(z.int().min(0))
      .describe('0-based layer indices returned, in the order of values[layer].'),
    steps: z.array(z.int().min(0)).describe('The recorded steps returned, ascending.'),
    loss: series("Batch loss before the step's update (data loss + L2 penalty); null when not finite"),
    gradNorm: series('Global ‖∇θ‖₂ (all layers) before clipping; null when not finite'),
    trainAccuracy: series('Accuracy over the training set on evaluated steps, else null'),
    testAccuracy: series('Accuracy over the test set on evaluated steps, else null'),
    values: z
      .array(z.array(z.array(JsonNumber)))
      .describe(
        'values[layerPos][fieldPos][point]: the statistic `fields[fieldPos]` of layer `layers[layerPos]` at ' +
          '`steps[point]`; null = not applicable (e.g. deadFrac of a tanh layer) or not finite.',
      ),
    recordedSteps: z.int().min(0).describe('Steps recorded in [from, to].'),
    returnedSteps: z.int().min(0).describe('Steps returned (the length of steps).'),
    downsampled: z.boolean().describe('Whether recorded steps were left out to honour maxPoints.'),
    totalPoints: z.int().min(0).meta({ deprecated: true }).describe('Deprecated: the same as recordedSteps.'),
  })
  .meta({
    id: 'Metrics',
    description: "A run's recorded statistics, columnar (ready for uPlot-style charts).",
  });

/** Weights of one layer in a model download: like LayerWeights, but null where a diverged run holds NaN/±Infinity. */
export const ModelLayerWeightsSchema = z
  .object({
    W: z
      .array(z.array(JsonNumber))
      .describe('(out, in): W[j][k] connects input k to unit j (PyTorch nn.Linear.weight).'),
    b: z.array(JsonNumber).nullable().describe('(out), or null for a layer without bias.'),
  })
  .meta({
    id: 'ModelLayerWeights',
    description: "One layer's W and b; non-finite entries (after divergence) are null.",
  });

export const ModelSchema = z
  .object({
    runId: z.uuid().describe('Run id.'),
    layout: z
      .object({
        inputSize: z.int().min(1).describe('Features per sample.'),
        layers: z
          .array(
            z.object({
              fanIn: z.int().min(1).describe('Input width n_{l−1}.'),
              fanOut: z.int().min(1).describe('Output width n_l.'),
              activation: ActivationSchema,
              hasBias: z.boolean().describe('Whether the layer has a bias b.'),
            }),
          )
          .describe('The dense layers in order.'),
      })
      .describe('Shapes of the network, as the weights below are laid out.'),
    initial: z
      .array(ModelLayerWeightsSchema)
      .nullable()
      .describe('Weights right after initialization, or null.'),
    final: z.array(ModelLayerWeightsSchema).nullable().describe('Weights after the last update, or null.'),
  })
  .meta({
    id: 'Model',
    description:
      "A run's parameters as JSON. Load into PyTorch with layer.weight.data = torch.tensor(W, dtype=torch.float64) " +
      'and layer.bias.data = torch.tensor(b): no transpose needed.',
  });

export const CreateRunResponseSchema = z
  .object({ id: z.uuid().describe('Id of the new run.'), status: RunStatusSchema, links: RunLinksSchema })
  .meta({ id: 'CreateRunResponse', description: 'The run was accepted and queued (202).' });

export const CancelRunResponseSchema = z
  .object({
    id: z.uuid().describe('Run id.'),
    status: RunStatusSchema.describe(
      'Status after the request: cancelled, or running until the worker stops.',
    ),
    cancelRequested: z
      .boolean()
      .describe('Whether the run is (being) cancelled; false when it had already finished.'),
    message: z.string().describe('What happened, in words.'),
  })
  .meta({ id: 'CancelRunResponse', description: 'Outcome of a cancel request.' });
