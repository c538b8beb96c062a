// GET /v1/runs/:id/metrics' JSON answer, written on the evaluate thread from the columns the loop read (metrics.ts):
// 10,000 points of every statistic are ~600,000 numbers to format, 70–90 ms of CPU that no longer run on the loop.
import { FIELD_COUNT, LAYER_FIELDS } from '../core/index.ts';
import { ownedBytes } from '../http/json-body.ts';
import { transferring } from '../jobs/transfer.ts';
import { nullIfNotFinite } from '../schemas/common.ts';
import type { MetricsColumns } from './metrics.ts';

/** The answer (MetricsSchema's shape, its keys in its order) from the columns. */
export function metricsAnswer(c: MetricsColumns) {
  const series = (a: Float64Array) => Array.from(a, nullIfNotFinite);
  const n = c.steps.length;
  const fieldIdx = c.fields.map((f) => LAYER_FIELDS.indexOf(f));
  return {
    runId: c.runId,
    fields: c.fields,
    layers: c.layers,
    steps: Array.from(c.steps),
    loss: series(c.loss),
    gradNorm: series(c.gradNorm),
    trainAccuracy: series(c.trainAccuracy),
    testAccuracy: series(c.testAccuracy),
    values: c.layers.map((l) =>
      fieldIdx.map((f) => {
        const at = l * FIELD_COUNT + f;
        return Array.from({ length: n }, (_, i) => nullIfNotFinite(c.stats[i * c.width + at]));
      }),
    ),
    ...c.counts,
    totalPoints: c.counts.recordedSteps,
  };
}

/** The thread's entry point (jobs/pool.ts offLoop): the answer's JSON bytes, moved to the loop. */
export function metricsJson(c: MetricsColumns): { json: Uint8Array } {
  const json = ownedBytes(Buffer.from(JSON.stringify(metricsAnswer(c))));
  return transferring({ json }, json);
}
