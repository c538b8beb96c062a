// A step as sent: the compiled serializer writes the step message's body in the schema's order, with NaN and
// ±Infinity as null, histograms per layer, and the same text the hand-written encoder produced.
import { describe, expect, it } from 'vitest';
import { FIELD_COUNT } from '../../src/core/index.ts';
import type { StepRow } from '../../src/model/run.ts';
import { StepMessageSchema } from '../../src/schemas/stream.ts';
import { frame, stepFrame } from '../../src/stream/messages.ts';
import { encodeStep } from '../../src/stream/step-encoding.ts';

const row: StepRow = {
  step: 7,
  loss: Math.LN2,
  gradNorm: Number.POSITIVE_INFINITY,
  trainAccuracy: 0.5,
  testAccuracy: null,
  layers: Float32Array.from({ length: 2 * FIELD_COUNT }, (_, i) => (i === 1 ? Number.NaN : i / 4)),
  histograms: Float32Array.from([-3, 1, 2, 0, Number.NaN, Number.NaN, 0, 0]),
};

describe('encodeStep', () => {
  it('writes the body in schema order, non-finite numbers as null, float32 values as their doubles', () => {
    const { step, body } = encodeStep(row, 2, { bins: 2, logScale: true });
    expect(step).toBe(7);
    const layers = (l: number) =>
      Array.from({ length: FIELD_COUNT }, (_, f) =>
        l === 0 && f === 1 ? 'null' : String((l * FIELD_COUNT + f) / 4),
      );
    expect(body).toBe(
      '{"step":7,"loss":0.6931471805599453,"gradNorm":null,"trainAccuracy":0.5,"testAccuracy":null,' +
        `"layers":[[${layers(0).join(',')}],[${layers(1).join(',')}]],` +
        '"histograms":{"bins":2,"logScale":true,"data":[[-3,1,2,0],[null,null,0,0]]}}',
    );
  });

  it('sends histograms as null on steps without them, and frames a message its schema accepts', () => {
    const payload = encodeStep({ ...row, histograms: null }, 2, { bins: 2, logScale: false });
    const message = JSON.parse(frame('step', 3, payload.body));
    expect(Object.keys(message).slice(0, 3)).toEqual(['type', 'seq', 'step']);
    expect(message.histograms).toBeNull();
    expect(StepMessageSchema.parse(message)).toEqual(message);
  });

  it('builds a step message as the bytes of its framed text, from body bytes encoded once for every subscriber', () => {
    const payload = encodeStep({ ...row, histograms: null }, 2, { bins: 2, logScale: false });
    for (const seq of [0, 7, 123_456]) {
      expect(stepFrame(seq, payload).equals(Buffer.from(frame('step', seq, payload.body)))).toBe(true);
    }
    // UTF-8 beyond ASCII, and an empty body, framed as the text would be.
    const other = { step: 1, body: '{"name":"é→✓"}' };
    expect(stepFrame(2, other).toString()).toBe(frame('step', 2, other.body));
    expect(stepFrame(5, { step: 0, body: '{}' }).toString()).toBe(frame('step', 5, '{}'));
  });
});
