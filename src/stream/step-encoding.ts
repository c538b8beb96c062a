// One recorded step as stored (float32 layer statistics) and as sent (a JSON body shared by all subscribers).
import { FIELD_COUNT } from '../core/index.ts';
import type { HistogramSettings, StepRow } from '../model/run.ts';

/** A step ready to send: `body` is the JSON object after `"seq":N,` (starts with `"step":`). */
export interface StepPayload {
  step: number;
  body: string;
}

const num = (x: number | null) => (x === null || !Number.isFinite(x) ? 'null' : String(x));

/** The JSON body of a step message (everything after the per-connection `type` and `seq`). */
export function encodeStep(
  row: StepRow,
  layerCount: number,
  histogram: HistogramSettings | null,
): StepPayload {
  const layers: string[] = [];
  for (let l = 0; l < layerCount; l++) {
    const cells: string[] = [];
    for (let f = 0; f < FIELD_COUNT; f++) cells.push(num(row.layers[l * FIELD_COUNT + f]));
    layers.push(`[${cells.join(',')}]`);
  }
  let histograms = 'null';
  if (row.histograms && histogram) {
    const width = histogram.bins + 2;
    const data: string[] = [];
    for (let l = 0; l < layerCount; l++) {
      data.push(`[${Array.from(row.histograms.subarray(l * width, (l + 1) * width), num).join(',')}]`);
    }
    histograms = `{"bins":${histogram.bins},"logScale":${histogram.logScale},"data":[${data.join(',')}]}`;
  }
  const body =
    `"step":${row.step},"loss":${num(row.loss)},"gradNorm":${num(row.gradNorm)},` +
    `"trainAccuracy":${num(row.trainAccuracy)},"testAccuracy":${num(row.testAccuracy)},` +
    `"layers":[${layers.join(',')}],"histograms":${histograms}}`;
  return { step: row.step, body };
}
