// The trainability map over real HTTP, on PGlite and Postgres, at small size: for tanh, a deep cell far inside the
// ordered phase is "vanishing" and does not train, a cell near criticality trains, and the theory drawn on the map
// says the same (the first is beyond the depth limit 6·ξ_c, the second within it); for ReLU, He's σ_w² = 2 is on the
// critical line.
import { beforeAll, expect, it } from 'vitest';
import { describeServiceOnEachDatabase, http, type RunningService, waitFor } from '../helpers/service.ts';

const finished = (svc: RunningService, id: string) =>
  waitFor(
    async () => {
      const r = await http(`${svc.url}/v1/sweeps/${id}`);
      return r.body.progress.done === r.body.progress.total ? r.body : null;
    },
    170_000,
    `sweep ${id}`,
  );

describeServiceOnEachDatabase('trainability map', (service) => {
  let svc: RunningService;
  beforeAll(() => {
    svc = service();
  });

  it('tanh at depth 20: σ_w² = 0.25 (ordered) vanishes and stays at chance, σ_w² = 1.5 (near critical) trains', {
    timeout: 180_000,
  }, async () => {
    const created = await http(`${svc.url}/v1/sweeps`, {
      body: {
        kind: 'trainability',
        activation: 'tanh',
        width: 16,
        depths: [20],
        sigmaW2: [0.25, 1.5],
        cell: 'train',
      },
    });
    expect(created.status).toBe(202);
    const sweep = await finished(svc, created.body.id);
    expect(sweep.kind).toBe('trainability');
    expect(sweep.map).toMatchObject({
      activation: 'tanh',
      width: 16,
      cell: 'train',
      depths: [20],
      sigmaW2: [0.25, 1.5],
    });
    expect(sweep.map.cells).toEqual([[[0], [1]]]);
    const [ordered, critical] = sweep.points;
    expect(ordered.values).toEqual({ depth: 20, '/init/weights/scale': 0.25 });
    expect(ordered.verdict).toBe('vanishing');
    expect(ordered.log10GradRatio).toBeLessThan(-4);
    // Three classes: chance is ln 3 ≈ 1.0986.
    expect(ordered.finalLoss).toBeGreaterThan(1.05);
    expect(critical.finalLoss).toBeLessThan(0.9);
    expect(critical.trainAccuracy).toBeGreaterThan(0.6);
    const [col0, col1] = sweep.map.theory.columns;
    expect(col0).toMatchObject({ sigmaW2: 0.25, phase: 'ordered' });
    expect(col0.depthLimit).toBeLessThan(20);
    expect(col1).toMatchObject({ sigmaW2: 1.5, phase: 'chaotic' });
    expect(col1.depthLimit).toBeGreaterThan(20);
    expect(sweep.map.theory.criticalSigmaW2).toBeCloseTo(1, 6);
    expect(sweep.map.theory.curve.length).toBeGreaterThan(10);
    const run = await http(`${svc.url}/v1/runs/${critical.runId}`);
    expect(run.body.spec.network.layers).toHaveLength(21);
    expect(run.body.spec.init.weights).toEqual({
      scheme: 'variance_scaling',
      distribution: 'normal',
      mode: 'fan_in',
      scale: 1.5,
    });
  });

  it('relu: He’s σ_w² = 2 is on the critical line, and a probe there keeps the gradient', {
    timeout: 60_000,
  }, async () => {
    const created = await http(`${svc.url}/v1/sweeps`, {
      body: { kind: 'trainability', activation: 'relu', width: 32, depths: [10], sigmaW2: [1, 2, 3] },
    });
    const sweep = await finished(svc, created.body.id);
    expect(sweep.map.cell).toBe('probe');
    expect(sweep.map.theory.criticalSigmaW2).toBeCloseTo(2, 9);
    const columns = sweep.map.theory.columns;
    expect(columns.map((c: any) => c.phase)).toEqual(['ordered', 'critical', 'chaotic']);
    expect(columns[1].chi1).toBeCloseTo(1, 12);
    expect(columns[1].depthLimit).toBeNull();
    const [low, he, high] = sweep.points.map((p: any) => p.log10GradRatio);
    expect(Math.abs(he)).toBeLessThan(Math.abs(low));
    expect(Math.abs(he)).toBeLessThan(Math.abs(high));
  });

  it('refuses a bad request with a problem naming the field', async () => {
    const r = await http(`${svc.url}/v1/sweeps`, {
      body: { kind: 'trainability', activation: 'softmax', depths: [2], sigmaW2: [1] },
    });
    expect(r.status).toBe(400);
    expect(r.body.errors[0].pointer).toBe('/body/activation');
  });
});
