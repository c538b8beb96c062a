// Two threads for one run, as users see it (issue 15): a lone run borrows the idle worker for its matrix products
// and ends with the one-thread weights bit for bit; a second submitted run starts at once and finishes while the
// first goes on, which then gets its helper back. On PGlite and on Postgres.
import { expect, it } from 'vitest';
import { runTraining, weightsToJson } from '../../src/core/index.ts';
import { describeServiceOnEachDatabase, http, runFinished, waitFor } from '../helpers/service.ts';
import { splitProductsRun } from '../helpers/specs.ts';

const spec = (steps: number) => splitProductsRun(steps, { kind: 'adam', lr: 0.001 });

describeServiceOnEachDatabase(
  'two threads for one run',
  { env: { WORKERS: '2', SPLIT_PRODUCTS: 'true', SPLIT_MIN_MULTIPLY_ADDS: '1' } },
  (svc) => {
    const submit = async (body: unknown) => {
      const r = await http(`${svc().url}/v1/runs`, { body });
      expect(r.status, JSON.stringify(r.body)).toBe(202);
      return r.body.id as string;
    };
    const helpers = () => svc().app.pool.helpers;

    it('a lone run borrows the idle worker and ends with the one-thread weights bit for bit', async () => {
      const id = await submit(spec(1000));
      await waitFor(async () => helpers() === 1, 30_000, 'the run to borrow a helper');
      expect((await runFinished(svc(), id)).status).toBe('succeeded');
      const model = await http(`${svc().url}/v1/runs/${id}/model`);
      const alone = runTraining(spec(1000));
      expect(model.body.final).toEqual(weightsToJson(alone.layout, alone.finalTheta));
      await waitFor(async () => helpers() === 0, 10_000, 'the helper to be back');
    });

    it('a second run takes the helper back, starts and finishes while the first runs; the first gets it again', async () => {
      const first = await submit(spec(1_000_000));
      await waitFor(async () => helpers() === 1, 30_000, 'the first run to borrow a helper');
      const second = await submit(spec(300));
      expect((await runFinished(svc(), second)).status).toBe('succeeded');
      expect((await http(`${svc().url}/v1/runs/${first}`)).body.status).toBe('running');
      await waitFor(async () => helpers() === 1, 30_000, 'the first run to borrow the helper again');
      expect((await http(`${svc().url}/v1/runs/${first}/cancel`, { method: 'POST' })).status).toBe(202);
      expect((await runFinished(svc(), first)).status).toBe('cancelled');
      await waitFor(async () => helpers() === 0, 10_000, 'the helper to be back');
    });
  },
);
