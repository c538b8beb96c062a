// Postgres briefly unreachable (connections dropped and refused): the service reports not-ready, API calls
// get a quick 503 instead of hanging, and once the database is back it resumes without losing runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, POSTGRES_URL, type TestDatabase } from '../helpers/databases.ts';
import { http, type RunningService, startService, waitFor } from '../helpers/service.ts';
import { quickTrain, slowTrain } from '../helpers/specs.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

describe.skipIf(!POSTGRES_URL)('database outage (needs TEST_DATABASE_URL)', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let svc: RunningService;

  beforeAll(async () => {
    db = await freshDatabase('postgres');
    const target = new URL(db.databaseUrl!);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    const viaProxy = new URL(db.databaseUrl!);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    svc = await startService({ ...db, databaseUrl: viaProxy.toString() }, { LEASE_MS: '10000' });
  });
  afterAll(async () => {
    await svc?.close();
    await proxy?.close();
    await db?.drop();
  });

  it('answers 503 (not a hang) while the database is down, and resumes after', async () => {
    const id = (
      await http(`${svc.url}/v1/runs`, {
        body: {
          ...slowTrain('outage'),
          training: { optimizer: { kind: 'sgd', lr: 0.01 }, batchSize: 64, steps: 4000 },
        },
      })
    ).body.id;
    await waitFor(
      async () => (await http(`${svc.url}/v1/runs/${id}`)).body.progress.step >= 100,
      30_000,
      'progress',
    );

    proxy.cut();
    const t0 = Date.now();
    const during = await http(`${svc.url}/v1/runs/${id}`);
    expect(during.status, JSON.stringify(during.body)).toBe(503);
    expect(during.body.code).toBe('unavailable');
    expect(during.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect((await http(`${svc.url}/readyz`)).status).toBe(503);
    expect((await http(`${svc.url}/healthz`)).status).toBe(200);
    const submit = await http(`${svc.url}/v1/runs`, { body: quickTrain(10) });
    expect(submit.status).toBe(503);
    await new Promise((r) => setTimeout(r, 2000));

    proxy.restore();
    await waitFor(async () => (await http(`${svc.url}/readyz`)).status === 200, 30_000, 'ready again');
    const final = await waitFor(
      async () => {
        const r = (await http(`${svc.url}/v1/runs/${id}`)).body;
        return ['succeeded', 'failed', 'cancelled', 'diverged'].includes(r.status) ? r : null;
      },
      120_000,
      'the run to finish',
    );
    expect(final.status).toBe('succeeded');
    const m = (await http(`${svc.url}/v1/runs/${id}/metrics?maxPoints=10000&fields=gradNorm`)).body;
    expect(m.steps).toEqual(Array.from({ length: 400 }, (_, i) => i * 10).concat([3999]));
  });
});
