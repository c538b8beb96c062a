// Schemas of GET /v1/runs/:id/history: a run's recorded steps downsampled on the server for charts, min/max kept.
import { z } from 'zod';
import { LAYER_FIELDS } from '../core/index.ts';
import { JsonNumber } from './common.ts';
import { MetricsQuerySchema, MetricsSchema } from './runs.ts';

export const HISTORY_DEFAULT_FIELDS = [
  'gradNorm',
  'gradRms',
] as const satisfies readonly (typeof LAYER_FIELDS)[number][];

/** Points of an answer when the query names none: what the dashboard asks for (its stored summary's). */
export const HISTORY_DEFAULT_POINTS = 2000;

export const HistoryQuerySchema = z.strictObject({
  from: MetricsQuerySchema.shape.from,
  to: MetricsQuerySchema.shape.to,
  fields: MetricsQuerySchema.shape.fields.describe(
    `Comma-separated per-layer statistics, a subset of ${LAYER_FIELDS.join(', ')} (default: gradNorm,gradRms).`,
  ),
  // Its own bounds, not metrics' maxPoints: a chart wants about two points per pixel whatever exports allow.
  points: z.coerce
    .number()
    .int()
    .min(2)
    .max(10_000)
    .default(HISTORY_DEFAULT_POINTS)
    .describe(
      'Most points returned (2..10000, default 2000). Beyond it the steps are cut into points/2 buckets of ' +
        'consecutive steps, and each bucket gives two points that carry every series’ minimum and maximum.',
    ),
});
export type HistoryQuery = z.output<typeof HistoryQuerySchema>;

const series = (what: string) => z.array(JsonNumber).describe(`${what}, one per entry of steps.`);

export const HistorySchema = z
  .object({
    runId: MetricsSchema.shape.runId,
    fields: MetricsSchema.shape.fields,
    layerCount: z.int().min(0).describe('Layers of the network: values has one entry per layer.'),
    totalSteps: z.int().min(0).describe('Recorded steps in [from, to].'),
    bucketed: z
      .boolean()
      .describe(
        'false: one point per recorded step. true: every point stands for a bucket of consecutive steps — its first ' +
          'point at the bucket’s first step, its second at the bucket’s last; per series, the one that came first ' +
          'in the bucket of its minimum and maximum goes to the first point, the other to the second, so spikes survive.',
      ),
    steps: z.array(z.int().min(0)).describe('x of each point (a recorded step), ascending.'),
    loss: series('Batch loss (bucket min/max when bucketed); null when not finite'),
    gradNorm: series('‖∇θ‖₂ before clipping (bucket min/max when bucketed); null when not finite'),
    trainAccuracy: series('Train accuracy on evaluated steps (bucket min/max), else null'),
    testAccuracy: series('Test accuracy on evaluated steps (bucket min/max), else null'),
    values: z
      .array(z.array(z.array(JsonNumber)))
      .describe('values[layer][fieldPos][point] (bucket min/max when bucketed); null = n/a or not finite.'),
    nonFiniteSteps: z
      .array(z.int().min(0))
      .describe(
        'Recorded steps in range (at most the first 100) whose loss, ‖∇θ‖ or any layer’s gradient held NaN/±Infinity: ' +
          'a null at such a step is a blow-up, not a gap.',
      ),
    lastStep: z
      .int()
      .min(0)
      .nullable()
      .describe('The last recorded step in range, or null when there is none.'),
  })
  .meta({
    id: 'History',
    description:
      "A run's recorded statistics downsampled on the server for charts (columnar, min/max preserving). " +
      'Served gzip-compressed when the client accepts it.',
  });
export type History = z.infer<typeof HistorySchema>;
