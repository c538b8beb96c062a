// One recorded step as stored (float32 layer statistics) and as sent (a JSON body shared by all subscribers),
// serialized by a compiled serializer (fast-json-stringify) built from the step message's schema.
import fastJson from 'fast-json-stringify';
import { z } from 'zod';
import { FIELD_COUNT } from '../core/index.ts';
import type { HistogramSettings, StepRow } from '../model/run.ts';
import { StepMessageSchema } from '../schemas/stream.ts';

/** A step ready to send: `body` is the step message's JSON object without its per-connection type and seq. */
export interface StepPayload {
  step: number;
  body: string;
}

const stringifyStepBody = fastJson(
  z.toJSONSchema(StepMessageSchema.omit({ type: true, seq: true }), {
    io: 'output',
    target: 'draft-7',
  }) as fastJson.Schema,
);

/** NaN (not applicable) and ±Infinity are sent as null. */
const finite = (x: number | null) => (x === null || !Number.isFinite(x) ? null : x);

/** `values` (rows × width, row-major) as rows of JSON numbers. */
function rowsOf(values: Float32Array, rows: number, width: number): (number | null)[][] {
  const out = new Array<(number | null)[]>(rows);
  for (let r = 0; r < rows; r++) {
    const row = new Array<number | null>(width);
    for (let k = 0; k < width; k++) row[k] = finite(values[r * width + k]);
    out[r] = row;
  }
  return out;
}

/** The JSON body of a step message (everything but the per-connection `type` and `seq`). */
export function encodeStep(
  row: StepRow,
  layerCount: number,
  histogram: HistogramSettings | null,
): StepPayload {
  const histograms =
    row.histograms && histogram
      ? {
          bins: histogram.bins,
          logScale: histogram.logScale,
          data: rowsOf(row.histograms, layerCount, histogram.bins + 2),
        }
      : null;
  const body = stringifyStepBody({
    step: row.step,
    loss: finite(row.loss),
    gradNorm: finite(row.gradNorm),
    trainAccuracy: finite(row.trainAccuracy),
    testAccuracy: finite(row.testAccuracy),
    layers: rowsOf(row.layers, layerCount, FIELD_COUNT),
    histograms,
  });
  return { step: row.step, body };
}
