// streamRun across a server restart (same database, same port): it reconnects and resumes from the step after
// the last one received, so the steps read equal the run's recorded ones on the every grid: no gap, no duplicate.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GradscopeClient } from '../../src/client/index.ts';
import { DB_KINDS, freshDatabase, type TestDatabase } from '../helpers/databases.ts';
import { quickTrain } from '../helpers/specs.ts';
import { type Restartable, restartableService } from './restart.ts';

const STEPS = 6000;
const EVERY = 20;

describe.each(DB_KINDS)('stream reconnect on $kind', ({ kind, skip }) => {
  if (skip) {
    it.skip(`(${skip})`, () => {});
    return;
  }
  let db: TestDatabase;
  let svc: Restartable;
  beforeAll(async () => {
    db = await freshDatabase(kind);
    svc = await restartableService(db);
  });
  afterAll(async () => {
    await svc?.close();
    await db?.drop();
  });

  it('resumes after a restart mid-stream with no gap and no duplicate', async () => {
    const client = new GradscopeClient({ baseUrl: svc.url, retry: { baseDelayMs: 100, maxDelayMs: 1000 } });
    const spec = quickTrain(STEPS, { telemetry: { every: 5 } });
    const { id } = await client.submit(spec as never);
    const steps: number[] = [];
    const reconnects: { from: number; last: number | undefined }[] = [];
    let restarted: Promise<void> | null = null;
    let end: unknown = null;
    for await (const msg of client.streamRun(id, {
      every: EVERY,
      heartbeatMs: 1000,
      onReconnect: ({ from }) => reconnects.push({ from, last: steps.at(-1) }),
    })) {
      if (msg.type === 'step') {
        steps.push(msg.step);
        if (steps.length === 3) restarted = svc.restart();
      }
      if (msg.type === 'end') end = msg.run.status;
    }
    await restarted;
    expect(end).toBe('succeeded');
    expect(reconnects.length).toBeGreaterThan(0);
    // Each reconnect asks for the step after the last one received.
    for (const r of reconnects) expect(r.from).toBe(r.last! + 1);
    const recorded = await client.metrics(id, { maxPoints: 10_000, fields: ['gradRms'] });
    const expected = recorded.steps.filter((s) => s % EVERY === 0 || s === STEPS - 1);
    expect(steps).toEqual(expected);
    expect(steps.at(-1)).toBe(STEPS - 1);
  });
});
