// The metrics JSON's columns (read on the loop) and the answer written from them (on the evaluate thread): the
// same JSON as the answer built from the rows, nulls where a stored row holds fewer statistics or no accuracy,
// and the columns grown when the range holds more rows than were counted.
import { describe, expect, it } from 'vitest';
import { FIELD_COUNT, LAYER_FIELDS } from '../../src/core/index.ts';
import type { RunRecord, StepRow } from '../../src/model/run.ts';
import type { RunStore } from '../../src/model/store.ts';
import { metricsColumns } from '../../src/runs/metrics.ts';
import { metricsAnswer } from '../../src/runs/metrics-json.ts';
import { MetricsQuerySchema } from '../../src/schemas/runs.ts';

const row = (step: number, values: number): StepRow => ({
  step,
  loss: step === 1 ? Number.POSITIVE_INFINITY : step / 3,
  gradNorm: -0,
  trainAccuracy: step === 2 ? null : 0.5,
  testAccuracy: null,
  layers: Float32Array.from({ length: values }, (_, i) => (i === 3 ? Number.NaN : step + i / 7)),
  histograms: null,
});

/** A store whose range counts `counted` steps but whose pages hold `rows`. */
function store(counted: number, rows: StepRow[]): RunStore {
  return {
    stepSpan: async () => ({ count: counted, lastStep: rows.at(-1)?.step ?? null }),
    async *readStepPages() {
      yield rows.slice(0, 2);
      yield rows.slice(2);
    },
  } as unknown as RunStore;
}

const run = { id: '00000000-0000-4000-8000-000000000001', layerCount: 2 } as RunRecord;

describe('metricsColumns and metricsAnswer', () => {
  it('answer what the rows answer as JSON, with more rows than counted and a short stored row', async () => {
    const rows = [
      row(0, 2 * FIELD_COUNT),
      row(1, FIELD_COUNT),
      row(2, 2 * FIELD_COUNT),
      row(3, 3 * FIELD_COUNT),
    ];
    const q = MetricsQuerySchema.parse({ layers: '1,0', fields: 'gradRms,deadFrac', maxPoints: '100' });
    const columns = await metricsColumns(store(2, rows), run, q);
    const n = (x: number | null | undefined) => (typeof x === 'number' && Number.isFinite(x) ? x : null);
    const fields = ['gradRms', 'deadFrac'] as const;
    const expected = {
      runId: run.id,
      fields,
      layers: [1, 0],
      steps: [0, 1, 2, 3],
      loss: rows.map((r) => n(r.loss)),
      gradNorm: rows.map((r) => n(r.gradNorm)),
      trainAccuracy: rows.map((r) => r.trainAccuracy),
      testAccuracy: rows.map((r) => r.testAccuracy),
      values: [1, 0].map((l) =>
        fields.map((f) => rows.map((r) => n(r.layers[l * FIELD_COUNT + LAYER_FIELDS.indexOf(f)]))),
      ),
      recordedSteps: 2,
      returnedSteps: 2,
      downsampled: false,
      totalPoints: 2,
    };
    expect(JSON.stringify(metricsAnswer(columns))).toBe(JSON.stringify(expected));
    // The short row's second layer is null, not 0.
    expect(expected.values[0][0][1]).toBeNull();
  });

  it('an empty range answers empty columns', async () => {
    const columns = await metricsColumns(store(0, []), run, MetricsQuerySchema.parse({}));
    expect(metricsAnswer(columns)).toMatchObject({ steps: [], loss: [], returnedSteps: 0 });
    expect(metricsAnswer(columns).values.every((l) => l.every((f) => f.length === 0))).toBe(true);
  });
});
