// init.rng "numpy" through the HTTP API on both databases: accepted and kept in the stored spec, the course's
// seed-3 He weights drawn, refused schemes answered 422 naming the field, unknown generators 400.
import { readFileSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import { describeServiceOnEachDatabase, http, type RunningService, waitFor } from '../helpers/service.ts';
import { quickTrain } from '../helpers/specs.ts';

const courseHe: number[][] = JSON.parse(
  readFileSync(new URL('../fixtures/numpy-rng.json', import.meta.url), 'utf8'),
).course.he;

const numpyInit = (weights: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  quickTrain(5, { init: { weights, seed: 3, rng: 'numpy', ...extra } });

describeServiceOnEachDatabase('init.rng "numpy"', (service) => {
  let svc: RunningService;
  beforeAll(() => {
    svc = service();
  });

  it("draws the course's seed-3 He weights and keeps rng in the stored spec", async () => {
    const created = await http(`${svc.url}/v1/runs`, { body: numpyInit({ scheme: 'he_normal' }) });
    expect(created.status).toBe(202);
    const id = created.body.id;
    const run = await waitFor(
      async () => {
        const r = await http(`${svc.url}/v1/runs/${id}`);
        return r.body.status === 'succeeded' ? r.body : null;
      },
      60_000,
      `run ${id} to succeed`,
    );
    expect(run.spec.init).toEqual({ weights: { scheme: 'he_normal' }, seed: 3, rng: 'numpy' });
    const model = await http(`${svc.url}/v1/runs/${id}/model`);
    // numpy's np.random.randn(10, 2) * sqrt(2/2), …; bitwise storage of doubles is issue 10 §2's, so 1e-15 here.
    const initial: { W: number[][] }[] = model.body.initial;
    for (const [l, { W }] of initial.entries()) {
      const worst = Math.max(...W.flat().map((w, i) => Math.abs(w / courseHe[l][i] - 1)));
      expect(worst, `layer ${l}`).toBeLessThanOrEqual(1e-15);
    }
  });

  it.each([
    ['truncated_normal', { weights: { scheme: 'truncated_normal', std: 1 } }, '/body/init/weights/scheme'],
    [
      'orthogonal in an override',
      { weights: { scheme: 'he_normal' }, overrides: [{ layer: 2, weights: { scheme: 'orthogonal' } }] },
      '/body/init/overrides/0/weights/scheme',
    ],
  ])('refuses %s with a 422 naming the field', async (_, init, pointer) => {
    const r = await http(`${svc.url}/v1/runs`, {
      body: quickTrain(5, { init: { ...init, seed: 3, rng: 'numpy' } }),
    });
    expect(r.status).toBe(422);
    expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(r.body.errors[0].pointer).toBe(pointer);
    expect(r.body.detail).toMatch(/cannot be drawn with rng "numpy"/);
  });

  it('answers 400 naming init.rng for an unknown generator', async () => {
    const r = await http(`${svc.url}/v1/runs`, {
      body: numpyInit({ scheme: 'he_normal' }, { rng: 'mt19937' }),
    });
    expect(r.status).toBe(400);
    expect(r.body.errors.map((e: { pointer: string }) => e.pointer)).toContain('/body/init/rng');
  });
});
