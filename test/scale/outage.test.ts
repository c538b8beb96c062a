// Postgres unreachable (connections dropped and refused): the service reports not-ready, API calls get a
// quick 503 instead of hanging, a running run is held (not failed) through a 60 s outage, and once the
// database is back it goes on without losing a recorded step.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFinal } from '../../src/model/status.ts';
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
    // A 1 MiB backlog bound makes the outage test hold its job well before the run would end.
    svc = await startService(
      { ...db, databaseUrl: viaProxy.toString() },
      { LEASE_MS: '10000', TELEMETRY_BACKLOG_MB: '1' },
    );
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
        return isFinal(r.status) ? r : null;
      },
      120_000,
      'the run to finish',
    );
    expect(final.status).toBe('succeeded');
    const m = (await http(`${svc.url}/v1/runs/${id}/metrics?maxPoints=10000&fields=gradNorm`)).body;
    expect(m.steps).toEqual(Array.from({ length: 400 }, (_, i) => i * 10).concat([3999]));
  });

  it('holds a running run through a 60 s outage and finishes it with every recorded step', async () => {
    const steps = 6_000;
    const width = { units: 16, activation: 'tanh' };
    const created = await http(`${svc.url}/v1/runs`, {
      body: {
        kind: 'train',
        name: 'through a long outage',
        network: {
          inputSize: 2,
          layers: [...Array(19).fill(width), { units: 1, activation: 'sigmoid' }],
          loss: 'binary_cross_entropy',
        },
        init: { weights: { scheme: 'xavier_normal' }, seed: 1 },
        data: { source: 'circles', n: 64, seed: 1 },
        training: { optimizer: { kind: 'sgd', lr: 0.01 }, steps },
        telemetry: { every: 1 },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const id = created.body.id;
    await waitFor(
      async () => (await http(`${svc.url}/v1/runs/${id}`)).body.progress.step >= 50,
      30_000,
      'progress',
    );

    proxy.cut();
    const cutAt = Date.now();
    const slowest = { ms: 0 };
    while (Date.now() - cutAt < 60_000) {
      const t0 = Date.now();
      const r = await http(`${svc.url}/v1/runs/${id}`);
      slowest.ms = Math.max(slowest.ms, Date.now() - t0);
      expect(r.status).toBe(503);
      await new Promise((r) => setTimeout(r, 5000));
    }
    // A 503, not a hang: the API never waited for a connection timeout to answer.
    expect(slowest.ms).toBeLessThan(10_000);
    proxy.restore();

    const final = await waitFor(
      async () => {
        const r = await http(`${svc.url}/v1/runs/${id}`);
        return r.status === 200 && isFinal(r.body.status) ? r.body : null;
      },
      180_000,
      'the run to finish',
    );
    expect(final.status, JSON.stringify(final.error)).toBe('succeeded');
    expect(final.attempts).toBe(1); // held and resumed, not restarted
    const client = new pg.Client({ connectionString: db.databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query(
        'SELECT count(*)::int AS n, min(step) AS lo, max(step) AS hi FROM run_steps WHERE run_id = $1',
        [id],
      );
      expect(rows[0]).toEqual({ n: steps, lo: 0, hi: steps - 1 });
    } finally {
      await client.end();
    }
  }, 300_000);
});
