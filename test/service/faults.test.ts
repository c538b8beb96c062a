// Faults one instance must survive: a worker that crashes, a restart with runs in flight, SIGTERM to
// the process with a run in flight, and (with AUTH_TOKENS) clients without a token.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config.ts';
import { isFinal } from '../../src/model/status.ts';
import { CRASH_SEED } from '../fixtures/crashing-worker.ts';
import { DB_KINDS, freshDatabase, type TestDatabase } from '../helpers/databases.ts';
import { exitWithin, freePort, startEntrypoint, waitReady } from '../helpers/process.ts';
import { http, type RunningService, startService, waitFor } from '../helpers/service.ts';
import { probe, quickTrain, slowTrain } from '../helpers/specs.ts';

const crashingWorker = fileURLToPath(new URL('../fixtures/crashing-worker.ts', import.meta.url));

async function runOf(svc: RunningService, id: string) {
  return (await http(`${svc.url}/v1/runs/${id}`)).body;
}

async function finished(svc: RunningService, id: string) {
  return waitFor(
    async () => {
      const r = await runOf(svc, id);
      return isFinal(r.status) ? r : null;
    },
    60_000,
    `run ${id} to finish`,
  );
}

/** The run once `svc` has started it again, later than `startedAt` (after a restart). */
function startedAgain(svc: RunningService, id: string, startedAt: string, ms: number) {
  return waitFor(
    async () => {
      const r = await runOf(svc, id);
      return r.status === 'running' && r.startedAt > startedAt ? r : null;
    },
    ms,
    `run ${id} to start again`,
  );
}

describe.each(DB_KINDS)('faults on $kind', ({ kind, skip }) => {
  if (skip) {
    it.skip(`(${skip})`, () => {});
    return;
  }
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase(kind);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('a crashing worker fails only its run, with the reason; the instance keeps serving', async () => {
    const svc = await startService(db, {}, { workerFile: crashingWorker });
    try {
      const crash = (await http(`${svc.url}/v1/runs`, { body: { ...quickTrain(50), seed: CRASH_SEED } })).body
        .id;
      const fine = (await http(`${svc.url}/v1/runs`, { body: quickTrain(50) })).body.id;
      const failed = await finished(svc, crash);
      expect(failed.status).toBe('failed');
      expect(failed.error.code).toBe('worker_crashed');
      expect(failed.error.message).toMatch(/worker/);
      expect((await finished(svc, fine)).status).toBe('succeeded');
      const after = (await http(`${svc.url}/v1/runs`, { body: probe, headers: { prefer: 'wait=20' } })).body;
      expect(after.status).toBe('succeeded');
      expect((await http(`${svc.url}/readyz`)).status).toBe(200);
    } finally {
      await svc.close();
    }
  });

  it('a restart with a run in flight re-queues it and runs it again; stored steps have no duplicates', async () => {
    const first = await startService(db, { SHUTDOWN_GRACE_MS: '200' });
    const id = (await http(`${first.url}/v1/runs`, { body: slowTrain('restart') })).body.id;
    const before = await waitFor(
      async () => {
        const r = await runOf(first, id);
        return r.progress.step >= 20 ? r : null;
      },
      30_000,
      'progress before restart',
    );
    await first.close(); // grace over ⇒ the job stops and goes back to the queue
    const second = await startService(db);
    try {
      // Started again (a graceful release does not count as a lost attempt).
      const again = await startedAgain(second, id, before.startedAt, 30_000);
      expect(again.attempts).toBe(1);
      await http(`${second.url}/v1/runs/${id}/cancel`, { method: 'POST' });
      expect((await finished(second, id)).status).toBe('cancelled');
      const m = (await http(`${second.url}/v1/runs/${id}/metrics?maxPoints=10000`)).body;
      expect(new Set(m.steps).size).toBe(m.steps.length);
      expect(m.steps).toEqual([...m.steps].sort((a: number, b: number) => a - b));
    } finally {
      await second.close();
    }
  });

  // The default grace (10 s) is also fastify's default plugin timeout: with both equal, the close hook
  // that drains the jobs timed out first ("Plugin did not start in time"), the process exited 1 and
  // the run stayed 'running' until its lease lapsed.
  it('SIGTERM to the process with a run in flight: exit 0 within the default grace, the run re-queued', {
    timeout: 120_000,
  }, async () => {
    const graceMs = loadConfig({}).SHUTDOWN_GRACE_MS;
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const proc = startEntrypoint({
      ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : { DATA_DIR: db.dataDir }),
      HOST: '127.0.0.1',
      PORT: String(port),
      WORKERS: '1',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '0',
    });
    let id = '';
    let before: any;
    try {
      await waitReady(proc, base);
      id = (await http(`${base}/v1/runs`, { body: slowTrain('sigterm') })).body.id;
      before = await waitFor(
        async () => {
          const r = (await http(`${base}/v1/runs/${id}`)).body;
          return r.progress?.step >= 20 ? r : null;
        },
        30_000,
        'progress before SIGTERM',
      );
    } catch (err) {
      proc.child.kill('SIGKILL');
      throw err;
    }
    const t0 = Date.now();
    proc.child.kill('SIGTERM');
    const result = await exitWithin(proc.exited, graceMs + 10_000);
    const seconds = (Date.now() - t0) / 1000;
    if (!result) proc.child.kill('SIGKILL');
    expect(result, `exit after SIGTERM (${seconds} s):\n${proc.output()}`).toEqual([0, null]);
    expect(seconds).toBeLessThanOrEqual(graceMs / 1000 + 1);
    expect(proc.output()).not.toMatch(/shutdown failed|did not start in time/);
    // Released, not abandoned: the next instance starts it at once, and the attempt was given back.
    const next = await startService(db, { LEASE_MS: '60000' });
    try {
      const again = await startedAgain(next, id, before.startedAt, 10_000);
      expect(again.attempts).toBe(1);
      await http(`${next.url}/v1/runs/${id}/cancel`, { method: 'POST' });
      expect((await finished(next, id)).status).toBe('cancelled');
    } finally {
      await next.close();
    }
  });
});

describe('authentication (AUTH_TOKENS)', () => {
  let db: TestDatabase;
  let svc: RunningService;
  beforeAll(async () => {
    db = await freshDatabase('pglite');
    svc = await startService(db, { AUTH_TOKENS: 's3cret,other' });
  });
  afterAll(async () => {
    await svc?.close();
    await db?.drop();
  });

  it('rejects the API without a valid token, accepts it with one, leaves probes open', async () => {
    const none = await http(`${svc.url}/v1/runs`);
    expect(none.status).toBe(401);
    expect(none.body.code).toBe('unauthorized');
    expect(none.headers.get('www-authenticate')).toMatch(/Bearer/);
    expect((await http(`${svc.url}/v1/runs`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(
      401,
    );
    expect((await http(`${svc.url}/v1/runs`, { headers: { authorization: 'Bearer s3cret' } })).status).toBe(
      200,
    );
    expect((await http(`${svc.url}/v1/runs`, { headers: { authorization: 'Bearer other' } })).status).toBe(
      200,
    );
    expect((await http(`${svc.url}/healthz`)).status).toBe(200);
    expect((await http(`${svc.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${svc.url}/metrics`)).status).toBe(200);
  });

  it('refuses streams without a token and opens them with ?token=', async () => {
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${svc.wsUrl}/v1/stream`);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
    });
    expect(refused).toBe(401);
    const opened = await new Promise<boolean>((resolve) => {
      const ws = new WebSocket(`${svc.wsUrl}/v1/stream?token=s3cret`);
      ws.on('open', () => {
        ws.close();
        resolve(true);
      });
      ws.on('unexpected-response', () => resolve(false));
    });
    expect(opened).toBe(true);
  });
});
