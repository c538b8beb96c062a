// docker/entrypoint.sh outside Docker, against a real Postgres: waits for the database, starts the service
// (which applies the migrations), trains a probe run, and on SIGTERM drains and exits 0.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitWithin, freePort, startEntrypoint, waitReady } from '../helpers/process.ts';

const ADMIN_URL = process.env.TEST_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432';
const SHUTDOWN_GRACE_MS = 5000;

const probeSpec = {
  kind: 'probe',
  network: {
    inputSize: 2,
    layers: [
      { units: 4, activation: 'tanh' },
      { units: 1, activation: 'sigmoid' },
    ],
    loss: 'binary_cross_entropy',
  },
  init: { weights: { scheme: 'xavier_normal' } },
  data: { source: 'circles', n: 64 },
};

/** The URL of `database` on the admin URL's server. */
function databaseUrl(database: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${database}`;
  return u.toString();
}

describe('docker/entrypoint.sh waiting for the database', () => {
  it('gives up after DB_WAIT_SECONDS when nothing listens, without printing the password', async () => {
    const port = await freePort();
    const started = Date.now();
    const run = startEntrypoint({
      DATABASE_URL: `postgresql://nobody:s3cret@127.0.0.1:${port}/none`,
      DB_WAIT_SECONDS: '2',
    });
    const result = await exitWithin(run.exited, 20_000);
    expect(result, run.output()).toEqual([1, null]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    expect(run.output()).toMatch(/not reachable after 2s/);
    expect(run.output()).not.toContain('s3cret');
  });

  it('fails at once when waiting cannot help (the database does not exist)', async () => {
    const run = startEntrypoint({
      DATABASE_URL: databaseUrl('gradscope_entry_missing'),
      DB_WAIT_SECONDS: '30',
    });
    const result = await exitWithin(run.exited, 10_000);
    expect(result, run.output()).toEqual([1, null]);
    expect(run.output()).toMatch(/gradscope_entry_missing.*does not exist/);
  });
});

describe('docker/entrypoint.sh against Postgres', () => {
  const database = `gradscope_entry_${Math.random().toString(36).slice(2, 10)}`;
  let admin: pg.Client | undefined;
  let service: ReturnType<typeof startEntrypoint> | undefined;
  let base = '';

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
    try {
      await admin.connect();
    } catch (err) {
      admin = undefined;
      const where = new URL(ADMIN_URL).host;
      throw new Error(
        `cannot connect to Postgres at ${where} (${(err as Error).message}): this test needs a Postgres server ` +
          '(CI: 127.0.0.1:5432, user postgres, trust auth); set TEST_DATABASE_URL to point at another one',
      );
    }
    await admin.query(`CREATE DATABASE ${database}`);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    service = startEntrypoint({
      DATABASE_URL: databaseUrl(database),
      DB_WAIT_SECONDS: '10',
      HOST: '127.0.0.1',
      PORT: String(port),
      WORKERS: '1',
      LOG_LEVEL: 'warn',
      SHUTDOWN_GRACE_MS: String(SHUTDOWN_GRACE_MS),
      RATE_LIMIT_PER_MINUTE: '0',
    });
  });

  afterAll(async () => {
    if (service && service.child.exitCode === null && service.child.signalCode === null) {
      service.child.kill('SIGKILL');
      await service.exited;
    }
    if (admin) {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    }
  });

  it('becomes ready (GET /readyz = 200) on a fresh database within 60 s', { timeout: 90_000 }, async () => {
    await waitReady(service!, base, 60_000);
  });

  it('trains a probe run to the end (Prefer: wait=20 ⇒ 200, succeeded)', { timeout: 40_000 }, async () => {
    const res = await fetch(`${base}/v1/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', prefer: 'wait=20' },
      body: JSON.stringify(probeSpec),
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await res.json()) as { status?: string };
    expect(res.status, `${JSON.stringify(body)}\n${service!.output()}`).toBe(200);
    expect(body.status).toBe('succeeded');
  });

  it('exits 0 on SIGTERM within the shutdown grace', { timeout: 30_000 }, async () => {
    const s = service!;
    // The entrypoint exec'd node, so this signal reaches the service itself, not a shell.
    expect(s.child.kill('SIGTERM')).toBe(true);
    const result = await exitWithin(s.exited, SHUTDOWN_GRACE_MS + 10_000);
    expect(result, `still running or killed after SIGTERM:\n${s.output()}`).toEqual([0, null]);
  });
});
