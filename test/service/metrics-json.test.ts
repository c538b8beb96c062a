// GET /v1/runs/:id/metrics as JSON is written on the evaluate thread from columns: the bytes are exactly what the
// zod response serializer wrote before, of the answer built on the loop from the stored rows as it was then.
import { serializerCompiler } from 'fastify-type-provider-zod';
import { expect, it } from 'vitest';
import { FIELD_COUNT, LAYER_FIELDS } from '../../src/core/index.ts';
import type { StepRow } from '../../src/model/run.ts';
import { nullIfNotFinite } from '../../src/schemas/common.ts';
import { MetricsSchema } from '../../src/schemas/runs.ts';
import { describeServiceOnEachDatabase, http, runFinished } from '../helpers/service.ts';
import { probe } from '../helpers/specs.ts';

describeServiceOnEachDatabase('metrics JSON written off the loop', (svc) => {
  let id = '';
  it('10,000 points: the same bytes as JSON.stringify of the answer', async () => {
    const spec = {
      ...probe,
      kind: 'train',
      init: { weights: { scheme: 'xavier_normal' }, seed: 3 },
      training: { optimizer: { kind: 'sgd', lr: 0.5 }, steps: 10_000 },
      telemetry: { every: 1 },
    };
    const created = await http(`${svc().url}/v1/runs`, { body: spec });
    expect(created.status).toBe(202);
    id = created.body.id as string;
    expect((await runFinished(svc(), id, 200_000)).status).toBe('succeeded');
    const res = await fetch(`${svc().url}/v1/runs/${id}/metrics?maxPoints=10000`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('gradscope-returned-steps')).toBe('10000');
    const text = await res.text();
    // The answer as the route built it on the loop before: every row, every layer and field, in MetricsSchema's order.
    const rows: StepRow[] = await svc().app.store.readSteps(id, { limit: 20_000 });
    const layerCount = rows[0].layers.length / FIELD_COUNT;
    const data = {
      runId: id,
      fields: [...LAYER_FIELDS],
      layers: Array.from({ length: layerCount }, (_, i) => i),
      steps: rows.map((r) => r.step),
      loss: rows.map((r) => nullIfNotFinite(r.loss)),
      gradNorm: rows.map((r) => nullIfNotFinite(r.gradNorm)),
      trainAccuracy: rows.map((r) => r.trainAccuracy),
      testAccuracy: rows.map((r) => r.testAccuracy),
      values: Array.from({ length: layerCount }, (_, l) =>
        LAYER_FIELDS.map((_f, f) => rows.map((r) => nullIfNotFinite(r.layers[l * FIELD_COUNT + f]))),
      ),
      recordedSteps: 10_000,
      returnedSteps: 10_000,
      downsampled: false,
      totalPoints: 10_000,
    };
    expect(data.steps).toHaveLength(10_000);
    expect(text).toBe(JSON.stringify(data));
    const before = serializerCompiler({ schema: MetricsSchema, method: 'GET', url: '' })(data);
    expect(text).toBe(before);
    expect(text.length).toBeGreaterThan(1 << 20);
  }, 240_000);

  it('HEAD answers the counts and no body', async () => {
    expect(id).not.toBe('');
    const res = await fetch(`${svc().url}/v1/runs/${id}/metrics`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('gradscope-recorded-steps')).toBe('10000');
    expect(await res.text()).toBe('');
  });
});
