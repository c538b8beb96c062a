// WebSocket message schemas: every message kind round-trips through JSON, and malformed ones are rejected.
import { describe, expect, it } from 'vitest';
import { LAYER_FIELDS } from '../../src/core/stats.ts';
import {
  FirehoseMessageSchema,
  RunStreamMessageSchema,
  RunStreamQuerySchema,
  StepMessageSchema,
} from '../../src/schemas/stream.ts';
import { sampleRun } from './fixtures.ts';

const run = sampleRun();
const fieldsRow = (v: number | null) => LAYER_FIELDS.map(() => v);

const messages = [
  {
    type: 'hello',
    seq: 0,
    run,
    fields: [...LAYER_FIELDS],
    layers: [
      { index: 0, fanIn: 2, fanOut: 10, activation: 'relu' },
      { index: 1, fanIn: 10, fanOut: 1, activation: 'sigmoid' },
    ],
  },
  { type: 'status', seq: 1, status: 'running', run: { ...run, status: 'running' } },
  {
    type: 'step',
    seq: 2,
    step: 0,
    loss: 0.69,
    gradNorm: 0.02,
    trainAccuracy: 0.5,
    testAccuracy: null,
    layers: [fieldsRow(0.1), fieldsRow(null)],
    histograms: {
      bins: 2,
      logScale: false,
      data: [
        [-1, 1, 3, 4],
        [null, null, 0, 0],
      ],
    },
  },
  {
    type: 'step',
    seq: 3,
    step: 1,
    loss: null,
    gradNorm: null,
    trainAccuracy: null,
    testAccuracy: null,
    layers: [],
  },
  {
    type: 'notice',
    seq: 4,
    code: 'coalesced',
    message: 'client is slow: sending every 10th step',
    skippedSteps: 9,
  },
  { type: 'end', seq: 5, run },
];

describe('run stream messages', () => {
  it('every kind round-trips through JSON', () => {
    for (const message of messages) {
      const parsed = RunStreamMessageSchema.parse(JSON.parse(JSON.stringify(message)));
      expect(parsed).toEqual(message);
    }
  });

  it('NaN and Infinity become null in JSON, which the schema accepts', () => {
    const step = { ...messages[2], loss: Number.NaN, gradNorm: Number.POSITIVE_INFINITY };
    expect(StepMessageSchema.safeParse(step).success).toBe(false);
    const sent = JSON.parse(JSON.stringify(step));
    expect(StepMessageSchema.parse(sent)).toMatchObject({ loss: null, gradNorm: null });
  });

  it('rejects unknown types, missing seq and unknown notice codes', () => {
    expect(RunStreamMessageSchema.safeParse({ type: 'ping', seq: 1 }).error?.issues[0].path).toEqual([
      'type',
    ]);
    const { seq: _seq, ...noSeq } = messages[4];
    expect(RunStreamMessageSchema.safeParse(noSeq).error?.issues[0].path).toEqual(['seq']);
    expect(RunStreamMessageSchema.safeParse({ ...messages[4], code: 'oops' }).success).toBe(false);
  });

  it('the stream query coerces from and every', () => {
    expect(RunStreamQuerySchema.parse({ from: '100', every: '10' })).toEqual({ from: 100, every: 10 });
    expect(RunStreamQuerySchema.parse({})).toEqual({});
    expect(RunStreamQuerySchema.parse({ from: '3', token: 'abc' })).toEqual({ from: 3 });
    expect(RunStreamQuerySchema.safeParse({ every: '0' }).success).toBe(false);
    expect(RunStreamQuerySchema.safeParse({ from: '-1' }).success).toBe(false);
  });
});

describe('firehose messages', () => {
  it('run events and notices round-trip', () => {
    for (const event of ['created', 'started', 'progress', 'finished', 'deleted'] as const) {
      const message = { type: 'run', seq: 7, event, run };
      expect(FirehoseMessageSchema.parse(JSON.parse(JSON.stringify(message)))).toEqual(message);
    }
    const notice = { type: 'notice', seq: 8, code: 'dropped', message: 'dropped 3 events' };
    expect(FirehoseMessageSchema.parse(notice)).toEqual(notice);
    expect(FirehoseMessageSchema.safeParse({ type: 'run', seq: 1, event: 'paused', run }).success).toBe(
      false,
    );
  });
});
