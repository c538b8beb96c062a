// One recorded step as stored (float32 layer statistics) and as sent (a JSON body shared by all subscribers).
import { FIELD_COUNT } from '../core/index.ts';
import type { RecordBatch } from '../jobs/messages.ts';

/** A step as the database stores it: scalars in float64, per-layer statistics packed as float32. */
export interface StepRow {
  step: number;
  loss: number;
  gradNorm: number;
  trainAccuracy: number | null;
  testAccuracy: number | null;
  /** (layers × FIELD_COUNT) float32. */
  layers: Float32Array;
  /** (layers × (bins + 2)) float32, or null. */
  histograms: Float32Array | null;
}

/** A step ready to send: `body` is the JSON object after `"seq":N,` (starts with `"step":`). */
export interface StepPayload {
  step: number;
  body: string;
}

export interface HistogramMeta {
  bins: number;
  logScale: boolean;
}

const num = (x: number | null) => (x === null || !Number.isFinite(x) ? 'null' : String(x));
const orNull = (x: number) => (Number.isNaN(x) ? null : x);

/** Unpacks a worker batch into rows (statistics rounded to float32 here, once, for storage and streaming). */
export function rowsFromBatch(batch: RecordBatch): StepRow[] {
  const stride = batch.layerCount * batch.fieldCount;
  const hStride = batch.layerCount * (batch.histogramBins + 2);
  return Array.from(batch.steps, (step, i) => {
    const s = batch.scalars;
    const hist = batch.histograms?.subarray(i * hStride, (i + 1) * hStride);
    return {
      step,
      loss: s[i * 4],
      gradNorm: s[i * 4 + 1],
      trainAccuracy: orNull(s[i * 4 + 2]),
      testAccuracy: orNull(s[i * 4 + 3]),
      layers: Float32Array.from(batch.layers.subarray(i * stride, (i + 1) * stride)),
      histograms: hist && !Number.isNaN(hist[2]) ? Float32Array.from(hist) : null,
    };
  });
}

/** The JSON body of a step message (everything after the per-connection `type` and `seq`). */
export function encodeStep(row: StepRow, layerCount: number, histogram: HistogramMeta | null): StepPayload {
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
