// The queue bound is exact under concurrent submissions: 200 POSTs at once against QUEUE_MAX_DEPTH=20
// accept exactly 20, on PGlite and on Postgres (the count and the insert are one serialized step).
import { beforeAll, expect, it } from 'vitest';
import { describeServiceOnEachDatabase, http, type RunningService, waitFor } from '../helpers/service.ts';
import { probe, slowTrain } from '../helpers/specs.ts';

describeServiceOnEachDatabase('queue bound', { env: { QUEUE_MAX_DEPTH: '20', WORKERS: '2' } }, (service) => {
  let svc: RunningService;
  beforeAll(() => {
    svc = service();
  });

  it('200 concurrent POST /v1/runs with QUEUE_MAX_DEPTH=20 accept exactly 20; the rest are 429 queue_full', async () => {
    // Both workers busy first, so that no accepted run leaves the queue while the burst lands.
    const busy = [(await http(`${svc.url}/v1/runs`, { body: slowTrain('busy-a') })).body.id];
    busy.push((await http(`${svc.url}/v1/runs`, { body: slowTrain('busy-b') })).body.id);
    await waitFor(
      async () => {
        const s = await Promise.all(
          busy.map(async (id) => (await http(`${svc.url}/v1/runs/${id}`)).body.status),
        );
        return s.every((x) => x === 'running');
      },
      30_000,
      'both workers to be busy',
    );
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        http(`${svc.url}/v1/runs`, { body: { ...probe, name: `burst-${i}` } }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s !== 202 && s !== 429)).toEqual([]);
    expect(statuses.filter((s) => s === 202)).toHaveLength(20);
    for (const a of answers.filter((x) => x.status === 429)) expect(a.body.code).toBe('queue_full');
    const queued = await http(`${svc.url}/v1/runs?status=queued&limit=100`);
    expect(queued.body.items).toHaveLength(20);
    // A new idempotency key does not get past the bound.
    const keyed = await http(`${svc.url}/v1/runs`, { body: probe, headers: { 'idempotency-key': 'k' } });
    expect(keyed.status).toBe(429);
    for (const id of busy) await http(`${svc.url}/v1/runs/${id}/cancel`, { method: 'POST' });
  }, 180_000);
});
