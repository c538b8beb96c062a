// Several real instances (separate processes) on one Postgres: work spreads over all of them, a stream
// works from any instance, and a run survives `kill -9` of the instance running it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDatabase } from '../../src/db/client.ts';
import { isFinal } from '../../src/model/status.ts';
import { freshDatabase, POSTGRES_URL, type TestDatabase } from '../helpers/databases.ts';
import { type Instance, startInstance } from '../helpers/instances.ts';
import { collect, http, waitFor } from '../helpers/service.ts';
import { probe, slowTrain } from '../helpers/specs.ts';

describe.skipIf(!POSTGRES_URL)('several instances on one Postgres (needs TEST_DATABASE_URL)', () => {
  let db: TestDatabase;
  const instances: Instance[] = [];
  const env = () => ({
    DATABASE_URL: db.databaseUrl!,
    WORKERS: '1',
    LEASE_MS: '2000',
    POLL_MS: '100',
    SHUTDOWN_GRACE_MS: '1000',
  });

  beforeAll(async () => {
    db = await freshDatabase('postgres');
    await migrateDatabase({ databaseUrl: db.databaseUrl, dataDir: db.dataDir });
  });
  afterAll(async () => {
    await Promise.all(instances.map((i) => i.stop()));
    await db?.drop();
  });

  const run = (url: string, id: string) => http(`${url}/v1/runs/${id}`).then((r) => r.body);

  it('a run survives kill -9 of its instance, and a client streams it from another instance without gap or duplicate', async () => {
    // Only A is up when the run is submitted, so A runs it.
    const a = await startInstance('a', env());
    instances.push(a);
    const spec = {
      ...slowTrain('survivor'),
      training: { optimizer: { kind: 'sgd', lr: 0.01 }, batchSize: 64, steps: 6000 },
    };
    const id = (await http(`${a.url}/v1/runs`, { body: spec })).body.id;
    await waitFor(async () => (await run(a.url, id)).status === 'running', 30_000, 'A to start the run');
    const [b, c] = await Promise.all([startInstance('b', env()), startInstance('c', env())]);
    instances.push(b, c);

    // Stream from B while A runs it (live messages cross instances through LISTEN/NOTIFY).
    const streamed = collect(`${b.url.replace('http', 'ws')}/v1/runs/${id}/stream`, undefined, 120_000);
    await waitFor(async () => (await run(b.url, id)).progress.step >= 500, 60_000, 'progress on A');
    a.kill();
    instances.splice(instances.indexOf(a), 1);

    const final = await waitFor(
      async () => {
        const r = await run(b.url, id);
        return isFinal(r.status) ? r : null;
      },
      120_000,
      'the run to finish after kill -9',
    );
    expect(final.status).toBe('succeeded');
    expect(final.attempts).toBe(2);
    expect(final.summary.stepsCompleted).toBe(6000);

    const m = (await http(`${c.url}/v1/runs/${id}/metrics?maxPoints=10000&fields=gradNorm`)).body;
    expect(m.steps).toEqual(Array.from({ length: 600 }, (_, i) => i * 10).concat([5999]));

    const { messages } = await streamed;
    const steps = messages.filter((x) => x.type === 'step').map((x) => x.step);
    expect(steps).toEqual(m.steps);
    expect(messages.at(-1).type).toBe('end');
    expect(messages.at(-1).run.status).toBe('succeeded');
  });

  it('jobs spread over every instance, each taking at most its free workers', async () => {
    const live = instances.filter((i) => i.proc.exitCode === null);
    expect(live.length).toBeGreaterThanOrEqual(2);
    const ids: string[] = [];
    for (let k = 0; k < 6; k++) {
      const spec = {
        ...slowTrain(`spread-${k}`),
        training: { optimizer: { kind: 'sgd', lr: 0.01 }, batchSize: 64, steps: 2500 },
      };
      ids.push((await http(`${live[k % live.length].url}/v1/runs`, { body: spec })).body.id);
    }
    let maxRunning = 0;
    await waitFor(
      async () => {
        const states = await Promise.all(ids.map((id) => run(live[0].url, id)));
        const running = states.filter((s) => s.status === 'running').length;
        maxRunning = Math.max(maxRunning, running);
        expect(running).toBeLessThanOrEqual(live.length); // one worker each: never more than that at once
        return states.every((s) => isFinal(s.status));
      },
      120_000,
      'all runs to finish',
    );
    expect(maxRunning).toBe(live.length);
    for (const inst of live) {
      const metrics = await (await fetch(`${inst.url}/metrics`)).text();
      const done = [...metrics.matchAll(/gradscope_job_outcomes_total\{[^}]*\} (\d+)/g)].reduce(
        (s, x) => s + Number(x[1]),
        0,
      );
      expect(done, `${inst.name} ran jobs`).toBeGreaterThan(0);
    }
    const probeRun = await http(`${live[1].url}/v1/runs`, { body: probe, headers: { prefer: 'wait=30' } });
    expect(probeRun.body.status).toBe('succeeded');
  }, 180_000); // its waits add up to 150 s: the suite's 60 s default cut it short on a loaded machine
});
