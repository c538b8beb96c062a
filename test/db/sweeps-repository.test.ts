// Sweeps in the database: created whole with their runs (bounded), the claim query's per-sweep cap and its
// fewest-running-first order, exact under concurrent claimers, cancel and delete.
import { expect, it } from 'vitest';
import { claimRuns, finishRun } from '../../src/db/run-queue.ts';
import { specToText } from '../../src/db/run-record.ts';
import { getRun, queueDepth } from '../../src/db/runs-repository.ts';
import {
  cancelSweep,
  createSweep,
  deleteSweep,
  listSweeps,
  sweepCounts,
  sweepRuns,
} from '../../src/db/sweeps-repository.ts';
import type { NewSweep } from '../../src/model/sweep.ts';
import { type DbContext, describeEachDatabase, queuedRun, SPEC } from './harness.ts';

const LEASE = 60_000;

function newSweep(points: number, maxConcurrent: number): NewSweep {
  return {
    kind: 'grid',
    name: 'test sweep',
    requestText: '{"kind":"grid","note":-0}',
    points: Array.from({ length: points }, (_, i) => ({ values: { '/init/seed': i } })),
    maxConcurrent,
    targetLoss: null,
    map: null,
    runs: Array.from({ length: points }, (_, i) => ({
      kind: 'train' as const,
      name: `point ${i}`,
      specText: specToText(SPEC),
      totalSteps: 10,
      layerCount: 3,
    })),
  };
}

async function made(ctx: DbContext, points: number, max: number) {
  const sweep = await createSweep(ctx.db.prisma, newSweep(points, max), 100_000);
  if (sweep === 'queue_full') throw new Error('queue_full');
  return sweep;
}

describeEachDatabase('sweeps repository', (ctx) => {
  it('stores the sweep and its runs in point order; the runs are not counted in the single-run queue depth', async () => {
    const sweep = await made(ctx(), 5, 2);
    expect(sweep).toMatchObject({ kind: 'grid', pointCount: 5, maxConcurrent: 2, cancelRequested: false });
    expect(Object.is((sweep.request as { note: number }).note, -0)).toBe(true);
    const runs = await sweepRuns(ctx().db.prisma, sweep.id);
    expect(runs.map((r) => [r.sweepIndex, r.name, r.sweepId])).toEqual(
      [0, 1, 2, 3, 4].map((i) => [i, `point ${i}`, sweep.id]),
    );
    expect(await queueDepth(ctx().db.prisma)).toBe(0);
    expect((await sweepCounts(ctx().db.prisma, [sweep.id])).get(sweep.id)).toEqual({ queued: 5 });
    expect((await listSweeps(ctx().db.prisma, { limit: 10 })).items.map((s) => s.id)).toEqual([sweep.id]);
  });

  it('refuses a sweep whose points would exceed the queued-points bound, storing nothing', async () => {
    await made(ctx(), 3, 1);
    expect(await createSweep(ctx().db.prisma, newSweep(3, 1), 5)).toBe('queue_full');
    expect((await listSweeps(ctx().db.prisma, { limit: 10 })).items).toHaveLength(1);
  });

  it('claims at most maxConcurrent points of a sweep, and a later single run before its next point', async () => {
    const { db } = ctx();
    await made(ctx(), 5, 2);
    const single = await queuedRun(db);
    const first = await claimRuns(db.prisma, 'inst', 10, LEASE);
    const indexOf = async (id: string) => (await getRun(db.prisma, id))?.sweepIndex;
    // Points created together share created_at: the claim's order among them is by id.
    expect((await Promise.all(first.map((c) => indexOf(c.id)))).map(String).sort()).toEqual([
      '0',
      '1',
      'null',
    ]);
    expect(first.map((c) => c.id)).toContain(single);
    expect(await claimRuns(db.prisma, 'inst', 10, LEASE)).toEqual([]);
    // A point finishes: its slot frees, and the next point is claimed …
    await finishRun(db.prisma, first[0].id, 'inst', { status: 'succeeded' });
    const later = await queuedRun(db);
    const second = await claimRuns(db.prisma, 'inst', 1, LEASE);
    // … but only after a single run submitted meanwhile, though that one is newer than every point.
    expect(second.map((c) => c.id)).toEqual([later]);
    const third = await claimRuns(db.prisma, 'inst', 10, LEASE);
    expect(await Promise.all(third.map((c) => indexOf(c.id)))).toEqual([2]);
  });

  it('shares workers between two sweeps: fewest running first', async () => {
    const { db } = ctx();
    const a = await made(ctx(), 4, 4);
    const b = await made(ctx(), 4, 4);
    const claimed = await claimRuns(db.prisma, 'inst', 4, LEASE);
    const sweeps = await Promise.all(claimed.map(async (c) => (await getRun(db.prisma, c.id))?.sweepId));
    expect(sweeps.filter((s) => s === a.id)).toHaveLength(2);
    expect(sweeps.filter((s) => s === b.id)).toHaveLength(2);
  });

  it('keeps the cap exact under four concurrent serialized claimers', async () => {
    const { db } = ctx();
    const sweep = await made(ctx(), 40, 3);
    const got = await Promise.all(['a', 'b', 'c', 'd'].map((o) => claimRuns(db.prisma, o, 10, LEASE)));
    expect(got.flat()).toHaveLength(3);
    expect((await sweepCounts(db.prisma, [sweep.id])).get(sweep.id)).toEqual({ queued: 37, running: 3 });
  });

  it('cancels queued points at once and flags running ones; deletes only a finished sweep, with its runs', async () => {
    const { db } = ctx();
    const sweep = await made(ctx(), 4, 1);
    const [running] = await claimRuns(db.prisma, 'inst', 10, LEASE);
    expect(await deleteSweep(db.prisma, sweep.id)).toBe('not_finished');
    const outcome = await cancelSweep(db.prisma, sweep.id);
    expect(outcome?.running).toEqual([running.id]);
    expect(outcome?.cancelled).toHaveLength(3);
    expect((await getRun(db.prisma, running.id))?.cancelRequested).toBe(true);
    expect(await deleteSweep(db.prisma, sweep.id)).toBe('not_finished');
    await finishRun(db.prisma, running.id, 'inst', { status: 'cancelled' });
    expect(await deleteSweep(db.prisma, sweep.id)).toBe('deleted');
    expect(await getRun(db.prisma, running.id)).toBeNull();
    expect(await deleteSweep(db.prisma, sweep.id)).toBe('not_found');
    expect(await cancelSweep(db.prisma, sweep.id)).toBeNull();
  });
});
