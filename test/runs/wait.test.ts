// Prefer: wait (RunsService.waitForFinal): the run's status is polled without its spec (megabytes of inline data
// parsed every 250 ms otherwise); the whole run is read once, for the answer.
import { describe, expect, it } from 'vitest';
import type { Dispatcher } from '../../src/jobs/dispatcher.ts';
import type { JobPool } from '../../src/jobs/pool.ts';
import { DEFAULT_BUDGET } from '../../src/model/budget.ts';
import type { RunHeader, RunRecord } from '../../src/model/run.ts';
import type { RunStore } from '../../src/model/store.ts';
import { RunsService } from '../../src/runs/service.ts';
import { StreamHub } from '../../src/stream/hub.ts';

/** A store whose run becomes final at the `finalAt`-th status read; counts the reads with and without the spec. */
function countingStore(finalAt: number) {
  const reads = { header: 0, run: 0 };
  const header = (): RunHeader =>
    ({ id: 'r', status: reads.header + reads.run >= finalAt ? 'succeeded' : 'running' }) as RunHeader;
  const store = {
    getRunHeader: async () => {
      reads.header++;
      return header();
    },
    getRun: async () => {
      reads.run++;
      return { ...header(), spec: { kind: 'train' } } as RunRecord;
    },
  } as unknown as RunStore;
  return { store, reads };
}

const service = (store: RunStore) =>
  new RunsService(store, new StreamHub(), {} as Dispatcher, {} as JobPool, {
    queueMaxDepth: 10,
    budget: DEFAULT_BUDGET,
    retryAfterSeconds: 1,
  });

describe('RunsService.waitForFinal', () => {
  it('polls the status without the spec and reads the whole run once, when it is final', async () => {
    const { store, reads } = countingStore(3);
    const run = await service(store).waitForFinal('r', 5000);
    expect(run.status).toBe('succeeded');
    expect(run.spec).toEqual({ kind: 'train' });
    expect(reads.run).toBe(1);
    expect(reads.header).toBeGreaterThanOrEqual(2);
  });

  it('at the deadline, answers the run as it is, read once', async () => {
    const { store, reads } = countingStore(Number.POSITIVE_INFINITY);
    const run = await service(store).waitForFinal('r', 600);
    expect(run.status).toBe('running');
    expect(reads.run).toBe(1);
  });

  it('a run that does not exist is a 404', async () => {
    const store = { getRunHeader: async () => null, getRun: async () => null } as unknown as RunStore;
    await expect(service(store).waitForFinal('r', 100)).rejects.toMatchObject({ code: 'run_not_found' });
  });
});
