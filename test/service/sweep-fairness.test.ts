// Fairness over real HTTP, on PGlite and Postgres: a 200-point sweep allowed to fill every worker does not starve
// the single runs submitted after it — they run before the sweep finishes — nor do its points count against the
// single-run queue bound.
import { beforeAll, expect, it } from 'vitest';
import {
  describeServiceOnEachDatabase,
  http,
  type RunningService,
  runFinished,
  waitFor,
} from '../helpers/service.ts';
import { quickTrain } from '../helpers/specs.ts';

describeServiceOnEachDatabase(
  'sweep fairness',
  { env: { WORKERS: '2', QUEUE_MAX_DEPTH: '5' } },
  (service) => {
    let svc: RunningService;
    beforeAll(() => {
      svc = service();
    });

    it('single runs submitted after a 200-point sweep start and finish before the sweep does', {
      timeout: 120_000,
    }, async () => {
      const created = await http(`${svc.url}/v1/sweeps`, {
        body: {
          kind: 'grid',
          name: 'fairness',
          base: quickTrain(400),
          axes: [{ field: '/init/seed', values: Array.from({ length: 200 }, (_, i) => i) }],
          // As many as the pool has workers: the sweep alone would keep both busy until its last point.
          maxConcurrent: 2,
        },
      });
      expect(created.status).toBe(202);
      const id = created.body.id;
      await waitFor(async () => (await http(`${svc.url}/v1/sweeps/${id}`)).body.progress.running === 2);
      // 200 queued points and QUEUE_MAX_DEPTH=5: single runs are still accepted.
      const singles = await Promise.all(
        [1, 2, 3].map(
          async (i) =>
            (await http(`${svc.url}/v1/runs`, { body: quickTrain(20, { name: `single ${i}` }) })).body,
        ),
      );
      expect(singles.map((s) => s.status)).toEqual(['queued', 'queued', 'queued']);
      const finished = await Promise.all(singles.map((s) => runFinished(svc, s.id, 100_000)));
      expect(finished.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
      const sweep = (await http(`${svc.url}/v1/sweeps/${id}`)).body;
      expect(sweep.progress.done).toBeLessThan(200);
      // Never more than maxConcurrent of its points at once (the claim query's cap).
      expect(sweep.progress.running).toBeLessThanOrEqual(2);
      const cancel = await http(`${svc.url}/v1/sweeps/${id}/cancel`, { method: 'POST' });
      expect(cancel.status).toBe(200);
      expect(cancel.body.cancelled).toBeGreaterThan(150);
    });
  },
);
