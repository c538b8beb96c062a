// Where a run request is admitted: on the loop only when its body is small and its data few rows; anything that
// grows with the data (a large body, or rows the core generates) goes to the evaluate thread. Sweeps the same way.
import { describe, expect, it } from 'vitest';
import type { JobPool } from '../../src/jobs/pool.ts';
import { admitRunBody } from '../../src/jobs/run-admission.ts';
import { DEFAULT_BUDGET, DEFAULT_SWEEP_BUDGET } from '../../src/model/budget.ts';
import {
  admitRunRequest,
  admitSweepRequest,
  OFF_LOOP_BODY_BYTES,
  ON_LOOP_MAX_DATA_ROWS,
} from '../../src/routes/read-body.ts';
import { admitSweepTask } from '../../src/sweeps/admission.ts';
import { probe } from '../helpers/specs.ts';

/** A pool whose evaluate thread is this one: it admits as the thread would and counts the bodies it was given. */
function countingPool() {
  const sent: number[] = [];
  const pool = {
    admitRun: async (body: Uint8Array, budget: typeof DEFAULT_BUDGET) => {
      sent.push(body.byteLength);
      return admitRunBody(body, budget);
    },
  } as unknown as JobPool;
  return { pool, sent };
}

const train = (data: unknown) => ({
  ...probe,
  kind: 'train',
  data,
  training: { optimizer: { kind: 'sgd', lr: 0.01 }, steps: 1 },
});
const bytes = (spec: unknown) => Buffer.from(JSON.stringify(spec));

describe('admitRunRequest', () => {
  it('admits a small body with few generated rows on the loop', async () => {
    const { pool, sent } = countingPool();
    const r = await admitRunRequest(pool, bytes(train({ source: 'circles', n: 200 })), DEFAULT_BUDGET);
    expect(r).toMatchObject({ kind: 'admitted', run: { kind: 'train', totalSteps: 1, layerCount: 2 } });
    expect(sent).toEqual([]);
  });

  it('sends a small body whose data are generated in many rows to the thread', async () => {
    const { pool, sent } = countingPool();
    const body = bytes(train({ source: 'circles', n: ON_LOOP_MAX_DATA_ROWS + 1 }));
    const r = await admitRunRequest(pool, body, DEFAULT_BUDGET);
    expect(r.kind).toBe('admitted');
    expect(sent).toEqual([body.byteLength]);
  });

  it('sends a body from 64 KiB on to the thread, and answers what admitting it on the loop answers', async () => {
    const { pool, sent } = countingPool();
    const n = 4000;
    const features = Array.from({ length: n }, (_, i) => [Math.sin(i) / 3, Math.cos(i) / 7]);
    const body = bytes(train({ source: 'inline', features, labels: features.map((_, i) => i % 2) }));
    expect(body.byteLength).toBeGreaterThanOrEqual(OFF_LOOP_BODY_BYTES);
    const r = await admitRunRequest(pool, Buffer.from(body), DEFAULT_BUDGET);
    expect(sent).toEqual([body.byteLength]);
    expect(r).toEqual(admitRunBody(body, DEFAULT_BUDGET));
    if (r.kind !== 'admitted') throw new Error(`expected an admitted run, got ${r.kind}`);
    // What the loop gets back: the stored text and a hash, not the spec.
    expect(JSON.parse(r.run.specText).data.features).toHaveLength(n);
    expect(r.run.requestHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a body that is not a run spec is refused on the loop when small, before any budget', async () => {
    const { pool, sent } = countingPool();
    const r = await admitRunRequest(pool, bytes({ kind: 'train' }), DEFAULT_BUDGET);
    expect(r.kind).toBe('refused');
    expect(sent).toEqual([]);
  });

  it('checks the budget before the data are generated', async () => {
    const { pool } = countingPool();
    const spec = train({ source: 'blobs', n: 1_000_000, classes: 2, features: 10 });
    const body = bytes({ ...spec, network: { ...spec.network, inputSize: 10 } });
    const r = await admitRunRequest(pool, body, DEFAULT_BUDGET);
    expect(r).toMatchObject({ kind: 'over_budget', violation: { limit: 'maxDataValues' } });
  });
});

/** A pool whose evaluate thread is this one: it runs the named export of the module, and counts the bodies. */
function offLoopPool() {
  const sent: number[] = [];
  const pool = {
    offLoop: async (file: string, name: string, task: { body: Uint8Array }) => {
      sent.push(task.body.byteLength);
      return (await import(file))[name](task);
    },
  } as unknown as JobPool;
  return { pool, sent };
}

const LIMITS = { maxPoints: 1000, budget: DEFAULT_BUDGET, sweepBudget: DEFAULT_SWEEP_BUDGET };
const grid = (data: unknown, values: unknown[] = [0.01, 0.1]) => ({
  kind: 'grid',
  name: 'g',
  base: train(data),
  axes: [{ field: '/training/optimizer/lr', values }],
});

describe('admitSweepRequest', () => {
  it('admits a small sweep with few rows in all on the loop: the points stored as exact text', async () => {
    const { pool, sent } = offLoopPool();
    const r = await admitSweepRequest(pool, bytes(grid({ source: 'circles', n: 200 })), LIMITS);
    expect(sent).toEqual([]);
    if (r.kind !== 'admitted') throw new Error(`expected an admitted sweep, got ${r.kind}`);
    expect(r.sweep.runs.map((run) => JSON.parse(run.specText).training.optimizer.lr)).toEqual([0.01, 0.1]);
    expect(r.sweep.points).toEqual([
      { values: { '/training/optimizer/lr': 0.01 } },
      { values: { '/training/optimizer/lr': 0.1 } },
    ]);
    expect(r.sweep.maxConcurrent).toBeNull();
  });

  it('sends a small sweep whose points generate many rows in all to the thread', async () => {
    const { pool, sent } = offLoopPool();
    // Each point is under the bound; the two together are not.
    const body = bytes(grid({ source: 'circles', n: ON_LOOP_MAX_DATA_ROWS / 2 + 1 }));
    const r = await admitSweepRequest(pool, body, LIMITS);
    expect(sent).toEqual([body.byteLength]);
    expect(r).toEqual(admitSweepTask({ body, limits: LIMITS }));
    expect(r.kind).toBe('admitted');
  });

  it('sends a body from 64 KiB on to the thread, and answers what admitting it on the loop answers', async () => {
    const { pool, sent } = offLoopPool();
    const n = 4000;
    const features = Array.from({ length: n }, (_, i) => [Math.sin(i) / 3, Math.cos(i) / 7]);
    const body = bytes(grid({ source: 'inline', features, labels: features.map((_, i) => i % 2) }));
    expect(body.byteLength).toBeGreaterThanOrEqual(OFF_LOOP_BODY_BYTES);
    const r = await admitSweepRequest(pool, Buffer.from(body), LIMITS);
    expect(sent).toEqual([body.byteLength]);
    expect(r).toEqual(admitSweepTask({ body, limits: LIMITS }));
    if (r.kind !== 'admitted') throw new Error(`expected an admitted sweep, got ${r.kind}`);
    expect(r.sweep.requestText).toBe(body.toString());
    expect(JSON.parse(r.sweep.runs[1].specText).data.features).toEqual(features);
  });

  it('a refused point is the same problem on the thread as on the loop', async () => {
    const { pool, sent } = offLoopPool();
    // Point 2's learning rate is not a number: the same point, field and message whichever thread admits it.
    const values = [0.01, 0.1, 'x'];
    const small = await admitSweepRequest(pool, bytes(grid({ source: 'circles', n: 200 }, values)), LIMITS);
    expect(sent).toEqual([]);
    const many = grid({ source: 'circles', n: ON_LOOP_MAX_DATA_ROWS / 2 + 1 }, values);
    const large = await admitSweepRequest(pool, bytes(many), LIMITS);
    expect(sent).toEqual([bytes(many).byteLength]);
    expect(small).toMatchObject({ kind: 'problem', code: 'invalid_spec' });
    expect(large).toEqual(small);
  });
});
