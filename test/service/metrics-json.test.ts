// GET /v1/runs/:id/metrics as JSON is written in chunks (the loop yielded between them): the bytes are exactly
// JSON.stringify of the same answer, and what the zod response serializer wrote before.
import { serializerCompiler } from 'fastify-type-provider-zod';
import { expect, it } from 'vitest';
import { MetricsQuerySchema, MetricsSchema } from '../../src/schemas/runs.ts';
import { describeServiceOnEachDatabase, http, runFinished } from '../helpers/service.ts';
import { probe } from '../helpers/specs.ts';

describeServiceOnEachDatabase('metrics JSON in chunks', (svc) => {
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
    const data = await svc().app.runs.metrics(id, MetricsQuerySchema.parse({ maxPoints: '10000' }));
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
