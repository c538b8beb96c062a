// The run table as a queue: exclusive claims under concurrency, leases, fencing, recovery.
import { expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.ts';
import {
  cancelRequestedAmong,
  claimRuns,
  expireAllLeases,
  failExhausted,
  finishRun,
  releaseRun,
  renewLeases,
} from '../../src/db/run-queue.ts';
import { readWeights } from '../../src/db/run-weights.ts';
import { getRun, requestCancel } from '../../src/db/runs-repository.ts';
import { describeEachDatabase, expireLease, queuedRun, SPEC, setCreatedAt } from './harness.ts';

const LEASE = 60_000;

describeEachDatabase('run queue', (ctx) => {
  it('claims oldest first, up to the limit, and marks the claim', async () => {
    const { db } = ctx();
    const ids = [await queuedRun(db), await queuedRun(db), await queuedRun(db)];
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    // Created in reverse: the last id is the oldest.
    for (const [i, id] of ids.entries()) await setCreatedAt(db, id, new Date(t0 - i * 1000));
    const claimed = await claimRuns(db.prisma, 'inst-a', 2, LEASE);
    expect(claimed.map((c) => c.id)).toEqual([ids[2], ids[1]]);
    expect(claimed[0]).toEqual({ id: ids[2], spec: SPEC, attempts: 1 });
    const run = await getRun(db.prisma, ids[2]);
    expect(run).toMatchObject({ status: 'running', attempts: 1 });
    expect(run?.startedAt).toBeInstanceOf(Date);
    const lease = await db.prisma.run.findUnique({
      where: { id: ids[2] },
      select: { owner: true, leaseExpiresAt: true },
    });
    expect(lease?.owner).toBe('inst-a');
    expect(lease!.leaseExpiresAt!.getTime()).toBeGreaterThan(Date.now() + LEASE / 2);
    expect((await claimRuns(db.prisma, 'inst-b', 5, LEASE)).map((c) => c.id)).toEqual([ids[0]]);
    expect(await claimRuns(db.prisma, 'inst-b', 5, LEASE)).toEqual([]);
  });

  it('never hands one run to two of four concurrent claimers', async () => {
    const { db, config, kind } = ctx();
    const total = 60;
    for (let i = 0; i < total; i++) await queuedRun(db);
    // Postgres: four separate clients (pools), as four instances would have. PGlite is one
    // in-process connection, so its claimers share it.
    const claimers = await Promise.all(
      [0, 1, 2, 3].map(async (i) => ({
        owner: `inst-${i}`,
        db: kind === 'postgres' ? await openDatabase(config) : db,
      })),
    );
    try {
      const got = await Promise.all(
        claimers.map(async (c) => {
          const mine: string[] = [];
          for (;;) {
            const batch = await claimRuns(c.db.prisma, c.owner, 3, LEASE);
            if (batch.length === 0) return mine;
            mine.push(...batch.map((r) => r.id));
          }
        }),
      );
      const all = got.flat();
      expect(all).toHaveLength(total);
      expect(new Set(all).size).toBe(total);
      // Every run's owner is the claimer that got it.
      for (const [i, ids] of got.entries()) {
        const owners = await db.prisma.run.findMany({ where: { id: { in: ids } }, select: { owner: true } });
        expect(owners.every((o) => o.owner === `inst-${i}`)).toBe(true);
      }
      if (kind === 'postgres') expect(got.filter((ids) => ids.length > 0).length).toBeGreaterThan(1);
    } finally {
      for (const c of claimers) if (c.db !== db) await c.db.close();
    }
  });

  it('renews only leases the owner still holds', async () => {
    const { db } = ctx();
    const a = await queuedRun(db);
    const b = await queuedRun(db);
    await claimRuns(db.prisma, 'inst-a', 2, 1000);
    // b's lease ran out and another instance took it over.
    await expireLease(db, b);
    expect((await claimRuns(db.prisma, 'inst-b', 1, LEASE)).map((r) => r.id)).toEqual([b]);
    expect(await renewLeases(db.prisma, 'inst-a', [a, b], LEASE)).toEqual([a]);
    const row = await db.prisma.run.findUnique({ where: { id: a }, select: { leaseExpiresAt: true } });
    expect(row!.leaseExpiresAt!.getTime()).toBeGreaterThan(Date.now() + LEASE / 2);
    expect(await renewLeases(db.prisma, 'inst-a', [], LEASE)).toEqual([]);
  });

  it('recovers a run whose lease expired, counting the attempt', async () => {
    const { db } = ctx();
    const id = await queuedRun(db);
    await claimRuns(db.prisma, 'inst-a', 1, LEASE);
    expect(await claimRuns(db.prisma, 'inst-b', 1, LEASE)).toEqual([]); // lease still valid
    await expireLease(db, id);
    const [again] = await claimRuns(db.prisma, 'inst-b', 1, LEASE);
    expect(again).toMatchObject({ id, attempts: 2 });
  });

  it('fences the outcome by owner: the instance that lost the run cannot finish it', async () => {
    const { db } = ctx();
    const id = await queuedRun(db);
    await claimRuns(db.prisma, 'inst-a', 1, LEASE);
    await expireLease(db, id);
    await claimRuns(db.prisma, 'inst-b', 1, LEASE);
    const stale = await finishRun(db.prisma, id, 'inst-a', {
      status: 'succeeded',
      summary: { from: 'a' },
      weights: { final: new Float64Array([1]) },
    });
    expect(stale).toBe(false);
    expect(await getRun(db.prisma, id)).toMatchObject({ status: 'running', summary: null });
    expect(await readWeights(db.prisma, id)).toEqual({});

    const ok = await finishRun(db.prisma, id, 'inst-b', {
      status: 'diverged',
      summary: { from: 'b', loss: null },
      diagnosis: { verdict: 'exploding' },
      error: { code: 'diverged', message: 'loss is NaN' },
      lastStep: 41,
      weights: { initial: new Float64Array([0.5, -2]), final: new Float64Array([Number.NaN, 3]) },
    });
    expect(ok).toBe(true);
    const run = await getRun(db.prisma, id);
    expect(run).toMatchObject({
      status: 'diverged',
      summary: { from: 'b', loss: null },
      diagnosis: { verdict: 'exploding' },
      error: { code: 'diverged', message: 'loss is NaN' },
      lastStep: 41,
      result: null,
    });
    expect(run!.finishedAt!.getTime()).toBeGreaterThanOrEqual(run!.startedAt!.getTime());
    expect(await readWeights(db.prisma, id)).toEqual({
      initial: new Float64Array([0.5, -2]),
      final: new Float64Array([Number.NaN, 3]),
    });
    // Finished: neither owner can finish, renew or release it again.
    expect(await finishRun(db.prisma, id, 'inst-b', { status: 'failed' })).toBe(false);
    expect(await renewLeases(db.prisma, 'inst-b', [id], LEASE)).toEqual([]);
    expect(await releaseRun(db.prisma, id, 'inst-b')).toBe(false);
  });

  it("stores an outcome whose weights take longer than Prisma's 5 s transaction timeout, at the first attempt", async () => {
    // Issue 12 §4: a 2,000,000-parameter result took 10.1 s to store and the interactive transaction timed
    // out. A trigger makes each weights insert take 3 s (6 s in all), deterministically, on both databases.
    const { db } = ctx();
    await db.prisma.$executeRawUnsafe(`
      CREATE FUNCTION slow_weights() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_sleep(3); RETURN NEW; END $$`);
    await db.prisma.$executeRawUnsafe(
      'CREATE TRIGGER slow_weights BEFORE INSERT ON run_weights FOR EACH ROW EXECUTE FUNCTION slow_weights()',
    );
    try {
      const id = await queuedRun(db);
      await claimRuns(db.prisma, 'inst-a', 1, LEASE);
      const initial = new Float64Array([0.1, -0, 5e-324]);
      const final = new Float64Array([1.7976931348623157e308, Number.NaN]);
      const stored = await finishRun(db.prisma, id, 'inst-a', {
        status: 'succeeded',
        summary: { loss: 0.25 },
        weights: { initial, final },
      });
      expect(stored).toBe(true);
      expect(await getRun(db.prisma, id)).toMatchObject({ status: 'succeeded', summary: { loss: 0.25 } });
      expect(await readWeights(db.prisma, id)).toEqual({ initial, final });
    } finally {
      await db.prisma.$executeRawUnsafe('DROP TRIGGER IF EXISTS slow_weights ON run_weights');
      await db.prisma.$executeRawUnsafe('DROP FUNCTION IF EXISTS slow_weights()');
    }
  }, 60_000);

  it('stores a 2,000,000-parameter result (initial and final weights) bit for bit', async () => {
    const { db } = ctx();
    const id = await queuedRun(db);
    await claimRuns(db.prisma, 'inst-a', 1, LEASE);
    const initial = Float64Array.from({ length: 2_000_000 }, (_, i) => Math.sin(i) / (i + 1));
    const final = initial.map((x, i) => x * (i % 3) - 0);
    expect(
      await finishRun(db.prisma, id, 'inst-a', { status: 'succeeded', weights: { initial, final } }),
    ).toBe(true);
    const read = await readWeights(db.prisma, id);
    expect(Buffer.from(read.initial!.buffer).equals(Buffer.from(initial.buffer))).toBe(true);
    expect(Buffer.from(read.final!.buffer).equals(Buffer.from(final.buffer))).toBe(true);
  }, 120_000);

  it('releases a run back to the queue on graceful shutdown, giving the attempt back', async () => {
    const { db } = ctx();
    const id = await queuedRun(db);
    await claimRuns(db.prisma, 'inst-a', 1, LEASE);
    expect(await releaseRun(db.prisma, id, 'inst-other')).toBe(false);
    expect(await releaseRun(db.prisma, id, 'inst-a')).toBe(true);
    expect(await getRun(db.prisma, id)).toMatchObject({ status: 'queued', attempts: 0 });
    expect(await claimRuns(db.prisma, 'inst-b', 1, LEASE)).toEqual([{ id, spec: SPEC, attempts: 1 }]);
  });

  it('fails runs that lost their worker too often, and cancels lost runs with a cancel request', async () => {
    const { db } = ctx();
    const lost = await queuedRun(db);
    const fresh = await queuedRun(db);
    const cancelled = await queuedRun(db);
    const maxAttempts = 2;
    // `lost` starts twice and loses its instance both times.
    for (let i = 0; i < maxAttempts; i++) {
      await claimRuns(db.prisma, `inst-${i}`, 3, LEASE);
      await expireLease(db, lost);
    }
    await requestCancel(db.prisma, cancelled);
    await expireLease(db, cancelled);
    await expireLease(db, fresh); // attempts 1 < 2: must stay claimable
    // Not claimable while waiting for failExhausted: exhausted (with maxAttempts) or cancel-requested.
    const claimable = await claimRuns(db.prisma, 'inst-x', 5, LEASE, { maxAttempts });
    expect(claimable.map((r) => r.id)).toEqual([fresh]);
    expect((await failExhausted(db.prisma, maxAttempts)).sort()).toEqual([lost, cancelled].sort());
    expect(await getRun(db.prisma, lost)).toMatchObject({
      status: 'failed',
      error: { code: 'worker_lost', message: expect.stringContaining('2 times') },
    });
    expect(await getRun(db.prisma, cancelled)).toMatchObject({ status: 'cancelled', error: null });
    expect(await getRun(db.prisma, fresh)).toMatchObject({ status: 'running', attempts: 2 });
    expect(await failExhausted(db.prisma, maxAttempts)).toEqual([]);
  });

  it('reports which running runs have a cancel request', async () => {
    const { db } = ctx();
    const a = await queuedRun(db);
    const b = await queuedRun(db);
    await claimRuns(db.prisma, 'inst-a', 2, LEASE);
    await requestCancel(db.prisma, b);
    expect(await cancelRequestedAmong(db.prisma, [a, b])).toEqual([b]);
    expect(await cancelRequestedAmong(db.prisma, [])).toEqual([]);
  });

  it('expires every lease at once (embedded start-up), making running runs claimable', async () => {
    const { db } = ctx();
    const a = await queuedRun(db);
    await queuedRun(db);
    await claimRuns(db.prisma, 'previous-process', 1, LEASE);
    expect(await expireAllLeases(db.prisma)).toBe(1);
    const claimed = await claimRuns(db.prisma, 'this-process', 5, LEASE);
    expect(claimed.map((r) => r.id)).toContain(a);
    expect(claimed).toHaveLength(2);
  });

  it('validates its numeric arguments', async () => {
    const { db } = ctx();
    await expect(claimRuns(db.prisma, 'x', 0, LEASE)).rejects.toThrow(
      'claimRuns: limit must be a positive integer',
    );
    await expect(claimRuns(db.prisma, 'x', 1, 1.5)).rejects.toThrow('leaseMs must be a positive integer');
    await expect(failExhausted(db.prisma, 0)).rejects.toThrow('maxAttempts');
  });
});
