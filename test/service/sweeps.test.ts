// Sweeps through the HTTP API, on PGlite and Postgres: submit, a bad point refused whole, the runs listed by sweep,
// the results table as JSON and CSV, the point stream (history then live), cancel and delete.
import { beforeAll, expect, it } from 'vitest';
import {
  collect,
  describeServiceOnEachDatabase,
  http,
  type RunningService,
  waitFor,
} from '../helpers/service.ts';
import { slowTrain } from '../helpers/specs.ts';

const probeBase = {
  kind: 'probe',
  network: {
    inputSize: 8,
    layers: [
      { units: 8, activation: 'tanh' },
      { units: 8, activation: 'tanh' },
      { units: 8, activation: 'tanh' },
      { units: 1, activation: 'linear' },
    ],
    loss: 'mse',
  },
  init: { weights: { scheme: 'xavier_normal' } },
  data: { source: 'normal', n: 32, features: 8, targets: 'regression', outputs: 1 },
};

const trainBase = {
  kind: 'train',
  network: {
    inputSize: 2,
    layers: [
      { units: 6, activation: 'tanh' },
      { units: 1, activation: 'sigmoid' },
    ],
    loss: 'binary_cross_entropy',
  },
  init: { weights: { scheme: 'xavier_normal' }, seed: 1 },
  data: { source: 'circles', n: 64, seed: 1 },
  training: { optimizer: { kind: 'sgd', lr: 0.5 }, steps: 40 },
  telemetry: { every: 1 },
};

const sweepDone = (svc: RunningService, id: string) =>
  waitFor(
    async () => {
      const r = await http(`${svc.url}/v1/sweeps/${id}`);
      return r.body.progress.done === r.body.progress.total ? r.body : null;
    },
    120_000,
    `sweep ${id} to finish`,
  );

describeServiceOnEachDatabase('sweeps', (service) => {
  let svc: RunningService;
  beforeAll(() => {
    svc = service();
  });

  it('runs a gain × scheme grid with repeats: every point a run of the sweep, the table in point order', async () => {
    const created = await http(`${svc.url}/v1/sweeps`, {
      body: {
        kind: 'grid',
        name: 'gain × scheme',
        base: probeBase,
        axes: [
          { field: '/init/weights/scheme', values: ['xavier_normal', 'orthogonal'] },
          { field: '/init/weights/gain', values: [0.25, 1] },
        ],
        seeds: [1, 2],
      },
    });
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({ status: 'queued', pointCount: 8 });
    expect(created.headers.get('location')).toBe(`/v1/sweeps/${created.body.id}`);
    const sweep = await sweepDone(svc, created.body.id);
    expect(sweep).toMatchObject({
      kind: 'grid',
      name: 'gain × scheme',
      status: 'finished',
      maxConcurrent: 2,
    });
    expect(sweep.fields).toEqual(['/init/weights/scheme', '/init/weights/gain', 'seed']);
    expect(sweep.points.map((p: any) => p.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(sweep.points[5].values).toEqual({
      '/init/weights/scheme': 'orthogonal',
      '/init/weights/gain': 0.25,
      seed: 2,
    });
    for (const p of sweep.points) {
      expect(p.status).toBe('succeeded');
      expect(Number.isFinite(p.finalLoss)).toBe(true);
      expect(p.gradRatio).toBeGreaterThan(0);
    }
    // Gain 0.25 on tanh is deep in the ordered phase: the gradient shrinks towards the input, far more than at gain 1.
    const ratio = (scheme: string, gain: number) =>
      sweep.points.find(
        (p: any) =>
          p.values['/init/weights/scheme'] === scheme &&
          p.values['/init/weights/gain'] === gain &&
          p.values.seed === 1,
      ).gradRatio;
    expect(ratio('orthogonal', 0.25)).toBeLessThan(ratio('orthogonal', 1) / 10);
    const run = await http(`${svc.url}/v1/runs/${sweep.points[5].runId}`);
    expect(run.body.spec.init).toEqual({ weights: { scheme: 'orthogonal', gain: 0.25 }, seed: 2 });
    expect(run.body).toMatchObject({ sweepId: sweep.id, sweepIndex: 5 });
    expect(run.body.name).toBe('gain × scheme: scheme=orthogonal, gain=0.25, seed=2');

    const listed = await http(`${svc.url}/v1/runs?sweep=${sweep.id}&limit=100`);
    expect(listed.body.items.map((r: any) => r.sweepIndex).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const sweeps = await http(`${svc.url}/v1/sweeps`);
    expect(sweeps.body.items.map((s: any) => s.id)).toContain(sweep.id);
  });

  it('answers the results table as CSV, by format=csv or Accept: text/csv', async () => {
    const created = await http(`${svc.url}/v1/sweeps`, {
      body: {
        kind: 'grid',
        base: trainBase,
        points: [{ '/training/optimizer/lr': 0.5 }, { width: 3 }],
        targetLoss: 0.69,
      },
    });
    expect(created.status).toBe(202);
    const sweep = await sweepDone(svc, created.body.id);
    expect(sweep.points[0].stepsToTarget).toBeGreaterThanOrEqual(0);
    expect(sweep.points[0].trainAccuracy).toBeGreaterThan(0);
    for (const headers of [{}, { accept: 'text/csv' }] as Record<string, string>[]) {
      const url = `${svc.url}/v1/sweeps/${sweep.id}${'accept' in headers ? '' : '?format=csv'}`;
      const res = await fetch(url, { headers });
      expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
      const lines = (await res.text()).trim().split('\r\n');
      expect(lines[0]).toBe(
        '/training/optimizer/lr,width,index,runId,status,finalLoss,trainAccuracy,testAccuracy,verdict,gradRatio,log10GradRatio,stepsToTarget,divergenceStep',
      );
      expect(lines).toHaveLength(3);
      expect(lines[1].startsWith(`0.5,,0,${sweep.points[0].runId},succeeded,`)).toBe(true);
      expect(lines[2].startsWith(`,3,1,`)).toBe(true);
    }
  });

  it('refuses a sweep with one bad point whole: a 422 naming the point and the field, nothing stored', async () => {
    const before = await http(`${svc.url}/v1/runs?limit=100`);
    const r = await http(`${svc.url}/v1/sweeps`, {
      body: {
        kind: 'grid',
        base: probeBase,
        axes: [{ field: '/network/layers/0/units', values: [8, 4, 0] }],
      },
    });
    expect(r.status).toBe(422);
    expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(r.body.code).toBe('invalid_spec');
    expect(r.body.errors[0]).toMatchObject({ point: 2, pointer: '/body/base/network/layers/0/units' });
    expect(r.body.detail).toMatch(/^point 2 \(units=0\): \/body\/base\/network\/layers\/0\/units: [^(]+$/);
    const after = await http(`${svc.url}/v1/runs?limit=100`);
    expect(after.body.items.length).toBe(before.body.items.length);

    const unknown = await http(`${svc.url}/v1/sweeps`, {
      body: { kind: 'grid', base: probeBase, axes: [{ field: '/init/weights/gian', values: [1] }] },
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors[0]).toMatchObject({ point: 0, pointer: '/body/base/init/weights/gian' });

    const zip = await http(`${svc.url}/v1/sweeps`, {
      body: { kind: 'grid', base: probeBase, axes: [{ field: 'depth', values: [2, 0] }] },
    });
    expect(zip.status).toBe(422);
    expect(zip.body.errors[0]).toMatchObject({ point: 1, pointer: '/body/axes/0/field' });
  });

  it('checks the budget of every point and of the whole sweep, and bounds its points', async () => {
    const huge = await http(`${svc.url}/v1/sweeps`, {
      body: {
        kind: 'grid',
        base: trainBase,
        axes: [{ field: '/training/steps', values: [10, 10_000_000_000] }],
      },
    });
    // Values are checked as part of each point's spec: steps over MAX_STEPS make point 1 invalid.
    expect(huge.status).toBe(422);
    expect(huge.body.errors[0]).toMatchObject({ point: 1, pointer: '/body/base/training/steps' });
    const perPoint = await http(`${svc.url}/v1/sweeps`, {
      body: {
        kind: 'grid',
        base: { ...trainBase, data: { source: 'circles', n: 1000 } },
        axes: [
          { field: '/training/steps', values: [10, 1_000_000] },
          { field: 'width', values: [6, 4096] },
        ],
      },
    });
    expect(perPoint.status).toBe(422);
    // Point 3: 1e6 steps × 1000 samples × 16,385 parameters = 1.6e13 > 5e12 (points 1 and 2 are within it).
    expect(perPoint.body).toMatchObject({ code: 'budget_exceeded', limitName: 'maxWorkUnits' });
    expect(perPoint.body.errors[0]).toMatchObject({ point: 3, pointer: '/body/base/training/steps' });
    const tooMany = await http(`${svc.url}/v1/sweeps`, {
      body: {
        kind: 'grid',
        base: probeBase,
        axes: [{ field: '/init/seed', values: Array.from({ length: 1001 }, (_, i) => i) }],
      },
    });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body).toMatchObject({
      code: 'budget_exceeded',
      limitName: 'SWEEP_MAX_POINTS',
      limit: 1000,
      actual: 1001,
    });
    const whole = await http(`${svc.url}/v1/sweeps`, {
      body: {
        kind: 'grid',
        base: {
          ...trainBase,
          network: {
            ...trainBase.network,
            layers: [
              { units: 200, activation: 'tanh' },
              { units: 1, activation: 'sigmoid' },
            ],
          },
          data: { source: 'circles', n: 10_000 },
          training: { optimizer: { kind: 'sgd', lr: 0.1 }, steps: 100_000 },
        },
        axes: [{ field: '/init/seed', values: Array.from({ length: 200 }, (_, i) => i) }],
      },
    });
    expect(whole.status).toBe(422);
    expect(whole.body).toMatchObject({ code: 'budget_exceeded', limitName: 'maxSweepWorkUnits' });
  });

  it('streams point results: history first, then live, each point once, then end', async () => {
    const created = await http(`${svc.url}/v1/sweeps`, {
      body: {
        kind: 'grid',
        base: trainBase,
        axes: [{ field: '/init/seed', values: [1, 2, 3, 4, 5, 6] }],
        maxConcurrent: 1,
      },
    });
    const id = created.body.id;
    // Connect once the first point finished: it comes from the history, the rest live.
    await waitFor(async () => (await http(`${svc.url}/v1/sweeps/${id}`)).body.progress.done >= 1);
    const { messages, code } = await collect(`${svc.wsUrl}/v1/sweeps/${id}/stream`);
    expect(code).toBe(1000);
    expect(messages[0]).toMatchObject({ type: 'hello', seq: 0, sweep: { id } });
    const points = messages.filter((m) => m.type === 'point');
    expect(points.map((m) => m.point.index).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(messages.at(-1)).toMatchObject({
      type: 'end',
      sweep: { status: 'finished', progress: { done: 6 } },
    });
    expect(messages.map((m) => m.seq)).toEqual(messages.map((_, i) => i));
    // A finished sweep's stream is its whole history, then end.
    const again = await collect(`${svc.wsUrl}/v1/sweeps/${id}/stream`);
    expect(again.messages.filter((m) => m.type === 'point')).toHaveLength(6);
  });

  it('publishes sweep lifecycle events on the firehose', async () => {
    const events: any[] = [];
    const firehose = collect(`${svc.wsUrl}/v1/stream`, (m) => {
      events.push(...m.splice(0));
      return events.some((e) => e.type === 'sweep' && e.event === 'finished');
    });
    await new Promise((r) => setTimeout(r, 200));
    const created = await http(`${svc.url}/v1/sweeps`, {
      body: { kind: 'grid', base: probeBase, points: [{}, {}] },
    });
    await firehose;
    const mine = events
      .filter((e) => e.type === 'sweep' && e.sweep.id === created.body.id)
      .map((e) => e.event);
    expect(mine).toEqual(['created', 'point', 'point', 'finished']);
    const point = events.find((e) => e.type === 'sweep' && e.event === 'point');
    expect(point.point.runId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('cancels queued points at once and running ones within a step, then deletes the sweep with its runs', async () => {
    const created = await http(`${svc.url}/v1/sweeps`, {
      body: {
        kind: 'grid',
        base: slowTrain('sweep slow'),
        axes: [{ field: '/init/seed', values: [1, 2, 3, 4, 5] }],
        maxConcurrent: 1,
      },
    });
    const id = created.body.id;
    await waitFor(async () => (await http(`${svc.url}/v1/sweeps/${id}`)).body.progress.running === 1);
    const early = await http(`${svc.url}/v1/sweeps/${id}`, { method: 'DELETE' });
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('sweep_not_finished');
    const cancel = await http(`${svc.url}/v1/sweeps/${id}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(200);
    expect(cancel.body).toMatchObject({ cancelled: 4, stopping: 1 });
    const sweep = await sweepDone(svc, id);
    expect(sweep.status).toBe('cancelled');
    expect(sweep.progress).toMatchObject({ cancelled: 5, done: 5 });
    const runIds = sweep.points.map((p: any) => p.runId);
    const del = await http(`${svc.url}/v1/sweeps/${id}`, { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect((await http(`${svc.url}/v1/sweeps/${id}`)).status).toBe(404);
    expect((await http(`${svc.url}/v1/runs/${runIds[0]}`)).status).toBe(404);
    const missing = await http(`${svc.url}/v1/sweeps/${id}/cancel`, { method: 'POST' });
    expect(missing.body.code).toBe('sweep_not_found');
  });
});
