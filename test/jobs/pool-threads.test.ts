// Two threads for one run in the pool: a running job borrows the idle worker for its matrix products (same
// weights bit for bit), and gives it back when a second job is submitted, which then starts at once.
import { afterAll, describe, expect, it } from 'vitest';
import { runTraining } from '../../src/core/index.ts';
import { createJobPool } from '../../src/jobs/pool.ts';
import { splitProductsRun } from '../helpers/specs.ts';

const spec = (steps: number) => splitProductsRun(steps, { kind: 'momentum', lr: 0.01 });

const until = async (what: string, cond: () => boolean) => {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!cond()) throw new Error(`timed out waiting until ${what}`);
};

describe('job pool with split products', () => {
  const pool = createJobPool({ size: 2, splitMinMultiplyAdds: 1 });
  afterAll(() => pool.close());

  it('lends the idle worker to a lone job, whose weights equal the one-thread run bit for bit', async () => {
    let lent = 0;
    const job = pool.start('t1', spec(400), () => {
      lent = Math.max(lent, pool.helpers);
    });
    const result = await job.done;
    expect(result.status).toBe('succeeded');
    expect(lent).toBe(1);
    const final = result.weights?.final;
    const want = runTraining(spec(400)).finalTheta;
    expect(final && Buffer.from(final.buffer, final.byteOffset, final.byteLength)).toEqual(
      Buffer.from(want.buffer),
    );
    await until('the helper is back', () => pool.helpers === 0);
  });

  it('takes the helper back for a second job, which finishes while the first runs, then lends it again', async () => {
    const first = pool.start('t2', spec(10_000_000), () => {});
    let firstSettled = false;
    void first.done.finally(() => {
      firstSettled = true;
    });
    await until('the first job has a helper', () => pool.helpers === 1);
    const second = pool.start('t3', spec(200), () => {});
    expect(pool.helpers).toBe(0);
    expect(await second.done).toMatchObject({ status: 'succeeded' });
    expect(firstSettled).toBe(false);
    await until('the first job has its helper again', () => pool.helpers === 1);
    first.cancel();
    expect(await first.done).toMatchObject({ status: 'cancelled' });
    await until('the helper is back', () => pool.helpers === 0);
  });
});
