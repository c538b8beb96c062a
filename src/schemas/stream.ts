// Schemas of every outgoing WebSocket message: the per-run stream and the firehose of run lifecycle events.
import { z } from 'zod';
import { LAYER_FIELDS } from '../core/index.ts';
import { JsonNumber } from './common.ts';
import { queryInt } from './query.ts';
import { RunListItemSchema, RunStatusSchema } from './runs.ts';
import { ActivationSchema } from './specs.ts';
import { SWEEP_EVENTS, SweepListItemSchema, SweepPointSchema } from './sweeps.ts';

const seq = z
  .int()
  .min(0)
  .describe(
    'Sequence number of the message on this connection, from 0, +1 per message: a gap means messages were skipped ' +
      '(a notice says so).',
  );

/**
 * Query of WS /v1/runs/{id}/stream. Not strict: a browser cannot set headers on a WebSocket, so other parameters
 * (an access token, a cache buster) may ride along and are left to their own handling.
 */
export const RunStreamQuerySchema = z.object({
  from: queryInt(0, 2 ** 31 - 1)
    .optional()
    .describe('Send recorded steps from this step on (default 0: the whole history, then live steps).'),
  every: queryInt(1, 2 ** 31 - 1)
    .optional()
    .describe('Downsample: send only steps that are multiples of this (the last step is always sent).'),
});
export type RunStreamQuery = z.output<typeof RunStreamQuerySchema>;

export const HelloMessageSchema = z
  .object({
    type: z.literal('hello'),
    seq,
    run: RunListItemSchema,
    fields: z
      .array(z.enum(LAYER_FIELDS))
      .describe("Column order of every step message's layers[layer][field]."),
    layers: z
      .array(
        z.object({
          index: z.int().min(0).describe('0-based layer index.'),
          fanIn: z.int().min(1).describe('Input width.'),
          fanOut: z.int().min(1).describe('Output width (units).'),
          activation: ActivationSchema,
        }),
      )
      .describe("The network's layers, in order."),
  })
  .meta({
    id: 'StreamHello',
    description: 'First message of a run stream: the run and how to read step messages.',
  });

export const StepMessageSchema = z
  .object({
    type: z.literal('step'),
    seq,
    step: z
      .int()
      .min(0)
      .describe('0-based optimizer step; steps arrive in ascending order, without duplicates.'),
    loss: JsonNumber.describe(
      "Batch loss before this step's update (data loss + L2 penalty); null when not finite.",
    ),
    gradNorm: JsonNumber.describe('‖∇θ‖₂ before clipping; null when not finite.'),
    trainAccuracy: JsonNumber.describe(
      'Accuracy over the training set if evaluated at this step, else null.',
    ),
    testAccuracy: JsonNumber.describe('Accuracy over the test set if evaluated at this step, else null.'),
    layers: z
      .array(z.array(JsonNumber))
      .describe(
        "layers[layer][field] in the hello message's field order; NaN (not applicable) and ±Infinity → null.",
      ),
    histograms: z
      .object({
        bins: z.int().min(2).describe('Bins per histogram.'),
        logScale: z.boolean().describe('Whether the bins are over log10|g|.'),
        data: z
          .array(z.array(JsonNumber))
          .describe(
            'Per layer: [lo, hi, count_0 … count_{bins−1}] of the weight gradient dW; lo/hi null when empty.',
          ),
      })
      .nullable()
      .optional()
      .describe('Weight-gradient histograms, on steps that recorded them.'),
  })
  .meta({ id: 'StreamStep', description: 'One recorded step of a training run.' });

export const StatusMessageSchema = z
  .object({
    type: z.literal('status'),
    seq,
    status: RunStatusSchema,
    run: RunListItemSchema,
  })
  .meta({ id: 'StreamStatus', description: 'The run changed status (e.g. queued → running).' });

export const NoticeMessageSchema = z
  .object({
    type: z.literal('notice'),
    seq,
    code: z
      .enum(['coalesced', 'dropped', 'slow_consumer'])
      .describe(
        'coalesced: the client reads slower than the run records, so steps were thinned (skippedSteps says how ' +
          'many); dropped: messages were dropped; slow_consumer: the connection is about to close for falling behind.',
      ),
    message: z.string().describe('What changed, in words.'),
    skippedSteps: z.int().min(0).optional().describe('Step messages not sent.'),
  })
  .meta({
    id: 'StreamNotice',
    description: 'The server changed what it sends because the client fell behind.',
  });

export const EndMessageSchema = z
  .object({
    type: z.literal('end'),
    seq,
    run: RunListItemSchema.describe('The run in its final status, with its summary and diagnosis.'),
  })
  .meta({
    id: 'StreamEnd',
    description: 'Last message: the run finished; the server then closes the socket (1000).',
  });

export const RunStreamMessageSchema = z
  .discriminatedUnion('type', [
    HelloMessageSchema,
    StepMessageSchema,
    StatusMessageSchema,
    NoticeMessageSchema,
    EndMessageSchema,
  ])
  .meta({
    id: 'RunStreamMessage',
    description:
      'A message of WS /v1/runs/{id}/stream, chosen by `type`: hello, then the recorded history and live steps ' +
      'with no gap or duplicate at the seam, status changes, notices, and end. Keep-alive uses WebSocket ping frames.',
  });
export type RunStreamMessage = z.infer<typeof RunStreamMessageSchema>;

export const FirehoseRunMessageSchema = z
  .object({
    type: z.literal('run'),
    seq,
    event: z
      .enum(['created', 'started', 'progress', 'finished', 'deleted'])
      .describe('created, started, progress (throttled), finished (any final status), deleted.'),
    run: RunListItemSchema,
  })
  .meta({ id: 'FirehoseRun', description: 'A run lifecycle event.' });

export const FirehoseSweepMessageSchema = z
  .object({
    type: z.literal('sweep'),
    seq,
    event: z
      .enum(SWEEP_EVENTS)
      .describe(
        'created, point (one of its points finished: `point` is its row), finished, cancelled, deleted.',
      ),
    sweep: SweepListItemSchema,
    point: SweepPointSchema.optional().describe('event point: the row of the point that finished.'),
  })
  .meta({ id: 'FirehoseSweep', description: 'A sweep lifecycle event.' });

export const FirehoseMessageSchema = z
  .discriminatedUnion('type', [FirehoseRunMessageSchema, FirehoseSweepMessageSchema, NoticeMessageSchema])
  .meta({
    id: 'FirehoseMessage',
    description:
      'A message of WS /v1/stream: lifecycle events of every run and sweep, and notices for slow clients.',
  });
export type FirehoseMessage = z.infer<typeof FirehoseMessageSchema>;
