// Runs as records: idempotent create, paging, filters, counts, cancel, delete with cascade.
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, InvalidCursorError } from '../../src/db/cursor.ts';
import { claimRuns, finishRun } from '../../src/db/run-queue.ts';
import { specToText } from '../../src/db/run-record.ts';
import { insertSteps } from '../../src/db/run-steps.ts';
import { saveWeights } from '../../src/db/run-weights.ts';
import {
  countByStatus,
  createRun,
  deleteRun,
  getRun,
  listRuns,
  queueDepth,
  requestCancel,
} from '../../src/db/runs-repository.ts';
import { describeEachDatabase, queuedRun, SPEC, setCreatedAt } from './harness.ts';

const NEW = { kind: 'train', specText: specToText(SPEC), totalSteps: 10, layerCount: 2 } as const;

describeEachDatabase('runs repository', (ctx) => {
  it('creates a queued run and reads it back with every selected field', async () => {
    const { db } = ctx();
    const { run, created } = await createRun(db.prisma, { ...NEW, name: 'first', requestHash: 'h1' });
    expect(created).toBe(true);
    // Created: the run without its spec (the caller has its text; megabytes of inline data are not read back).
    expect(run).not.toHaveProperty('spec');
    expect(run).toMatchObject({
      kind: 'train',
      name: 'first',
      status: 'queued',
      requestHash: 'h1',
      attempts: 0,
      cancelRequested: false,
      lastStep: null,
      totalSteps: 10,
      layerCount: 2,
      startedAt: null,
      finishedAt: null,
      summary: null,
      error: null,
    });
    expect(run.createdAt).toBeInstanceOf(Date);
    expect(await getRun(db.prisma, run.id)).toEqual({ ...run, spec: SPEC });
    // Internal columns stay internal.
    expect(Object.keys(run)).not.toContain('owner');
    expect(Object.keys(run)).not.toContain('idempotencyKey');
  });

  it('returns the existing run for a reused idempotency key, with its request hash', async () => {
    const { db } = ctx();
    const a = await createRun(db.prisma, { ...NEW, idempotencyKey: 'k-1', requestHash: 'h1' });
    const b = await createRun(db.prisma, { ...NEW, idempotencyKey: 'k-1', requestHash: 'h2' });
    expect(b.created).toBe(false);
    expect(b.run.id).toBe(a.run.id);
    expect(b.run.requestHash).toBe('h1'); // the caller compares and answers 409
    expect(await queueDepth(db.prisma)).toBe(1);
  });

  it('creates one run when the same idempotency key races', async () => {
    const { db } = ctx();
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        createRun(db.prisma, { ...NEW, idempotencyKey: 'race', requestHash: 'h' }),
      ),
    );
    expect(new Set(results.map((r) => r.run.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await queueDepth(db.prisma)).toBe(1);
  });

  it('pages newest first through equal timestamps without gaps or repeats', async () => {
    const { db } = ctx();
    const ids: string[] = [];
    for (let i = 0; i < 23; i++) ids.push(await queuedRun(db));
    // Three distinct instants, so most neighbours tie on created_at and only the id orders them.
    const t0 = Date.parse('2026-01-01T00:00:00.000Z');
    for (const [i, id] of ids.entries()) await setCreatedAt(db, id, new Date(t0 + (i % 3) * 1000));
    const expected = ids
      .map((id, i) => ({ id, t: t0 + (i % 3) * 1000 }))
      .sort((a, b) => b.t - a.t || (a.id < b.id ? 1 : -1))
      .map((r) => r.id);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await listRuns(db.prisma, { limit: 5, cursor });
      seen.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(5);
    expect(seen).toEqual(expected);
  });

  it('says there is no next page when the last page is exactly full', async () => {
    const { db } = ctx();
    for (let i = 0; i < 4; i++) await queuedRun(db);
    const first = await listRuns(db.prisma, { limit: 2 });
    const second = await listRuns(db.prisma, { limit: 2, cursor: first.nextCursor! });
    expect(second.items).toHaveLength(2);
    expect(second.nextCursor).toBeNull();
  });

  it('filters by status, kind and a case-insensitive part of the name', async () => {
    const { db } = ctx();
    const a = await queuedRun(db, { name: 'He init, deep' });
    await queuedRun(db, { name: 'zeros', kind: 'probe' });
    const c = await queuedRun(db, { name: 'LeCun vs HE', kind: 'gradcheck' });
    await requestCancel(db.prisma, c);
    const ids = async (q: Parameters<typeof listRuns>[1]) =>
      (await listRuns(db.prisma, q)).items.map((r) => r.id);
    expect(await ids({ limit: 10, name: 'he' })).toEqual(expect.arrayContaining([a, c]));
    expect(await ids({ limit: 10, name: 'he' })).toHaveLength(2);
    expect(await ids({ limit: 10, status: 'cancelled' })).toEqual([c]);
    expect(await ids({ limit: 10, kind: 'probe', status: 'queued' })).toHaveLength(1);
    expect(await ids({ limit: 10, kind: 'train', name: 'zeros' })).toEqual([]);
  });

  it('rejects a foreign cursor and an out-of-range limit', async () => {
    const { db } = ctx();
    await expect(listRuns(db.prisma, { limit: 5, cursor: 'bm90LWEtY3Vyc29y' })).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
    await expect(listRuns(db.prisma, { limit: 0 })).rejects.toThrow(/limit must be an integer/);
  });

  it('counts runs per status, zeros included', async () => {
    const { db } = ctx();
    await queuedRun(db);
    await queuedRun(db);
    await requestCancel(db.prisma, await queuedRun(db));
    expect(await countByStatus(db.prisma)).toEqual({
      queued: 2,
      running: 0,
      succeeded: 0,
      failed: 0,
      cancelled: 1,
      diverged: 0,
    });
    expect(await queueDepth(db.prisma)).toBe(2);
  });

  it('cancels a queued run at once and flags a running one', async () => {
    const { db } = ctx();
    const queued = await queuedRun(db);
    const after = await requestCancel(db.prisma, queued);
    expect(after).toMatchObject({ status: 'cancelled', cancelRequested: true });
    expect(after?.finishedAt).toBeInstanceOf(Date);

    const running = await queuedRun(db);
    await claimRuns(db.prisma, 'inst-a', 1, 60_000);
    expect(await requestCancel(db.prisma, running)).toMatchObject({
      status: 'running',
      cancelRequested: true,
    });

    const done = await queuedRun(db);
    await claimRuns(db.prisma, 'inst-a', 1, 60_000);
    await finishRun(db.prisma, done, 'inst-a', { status: 'succeeded' });
    expect(await requestCancel(db.prisma, done)).toMatchObject({
      status: 'succeeded',
      cancelRequested: false,
    });

    expect(await requestCancel(db.prisma, '00000000-0000-4000-8000-000000000000')).toBeNull();
  });

  it('deletes only finished runs, with their steps and weights', async () => {
    const { db } = ctx();
    const id = await queuedRun(db);
    expect(await deleteRun(db.prisma, id)).toBe('not_finished');
    await claimRuns(db.prisma, 'inst-a', 1, 60_000);
    expect(await deleteRun(db.prisma, id)).toBe('not_finished');
    const layers = new Float32Array(3 * 4);
    await insertSteps(db.pool, id, [
      { step: 0, loss: 1, gradNorm: 1, trainAccuracy: null, testAccuracy: null, layers, histograms: null },
    ]);
    await saveWeights(db.prisma, id, 'initial', new Float64Array([1, 2]));
    await finishRun(db.prisma, id, 'inst-a', { status: 'failed', error: { code: 'x', message: 'y' } });
    expect(await deleteRun(db.prisma, id)).toBe('deleted');
    expect(await getRun(db.prisma, id)).toBeNull();
    expect(await db.prisma.runStep.count({ where: { runId: id } })).toBe(0);
    expect(await db.prisma.runWeights.count({ where: { runId: id } })).toBe(0);
    expect(await deleteRun(db.prisma, id)).toBe('not_found');
  });
});

describe('list cursor', () => {
  it('round-trips and refuses anything else', () => {
    const p = { createdAt: new Date('2026-03-04T05:06:07.089Z'), id: '0b6f1c1e-1d5f-4a53-9f5e-3f1d2b0c4a99' };
    expect(decodeCursor(encodeCursor(p))).toEqual(p);
    for (const bad of ['', 'x', Buffer.from('2026-01-01|not-a-uuid').toString('base64url')]) {
      expect(() => decodeCursor(bad)).toThrow(InvalidCursorError);
    }
  });
});
