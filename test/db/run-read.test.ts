// The plain-SQL run read (run-read.ts) gives the very RunRecord Prisma's findUnique gives, under concurrency
// (prepared per connection on Postgres, unnamed on PGlite's shared session), and null for a missing run.
import { expect, it } from 'vitest';
import { finishRun } from '../../src/db/run-queue.ts';
import { readRun } from '../../src/db/run-read.ts';
import { getRun } from '../../src/db/runs-repository.ts';
import { describeEachDatabase, queuedRun } from './harness.ts';

describeEachDatabase('run read', (ctx) => {
  const reader = () => ({ pool: ctx().db.pool, prepared: ctx().kind === 'postgres' });

  it('equals the Prisma read, field by field and type by type, concurrently', async () => {
    const { db } = ctx();
    const ids = [await queuedRun(db, { name: 'a' }), await queuedRun(db, { kind: 'probe' })];
    await db.prisma.$executeRawUnsafe(
      `UPDATE runs SET status = 'running', started_at = now(), owner = 'x', last_step = 4, sweep_index = 2
         WHERE id = $1::uuid`,
      ids[1],
    );
    expect(
      await finishRun(db.prisma, ids[1], 'x', {
        status: 'succeeded',
        result: { kind: 'probe', values: [1.5, -2, null], nested: { a: 'é' } },
        summary: { x: 0.1 },
      }),
    ).toBe(true);
    for (const id of ids) {
      const expected = await getRun(db.prisma, id);
      const reads = await Promise.all(Array.from({ length: 24 }, () => readRun(reader(), id)));
      for (const r of reads) {
        expect(r).toEqual(expected);
        expect(r?.createdAt).toBeInstanceOf(Date);
      }
    }
    expect((await readRun(reader(), ids[1]))?.finishedAt).toBeInstanceOf(Date);
  });

  it('is null for a run that does not exist', async () => {
    expect(await readRun(reader(), '00000000-0000-4000-8000-000000000000')).toBeNull();
  });
});
