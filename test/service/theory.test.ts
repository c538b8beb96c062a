// POST /v1/theory through the HTTP API: a point, a grid with its critical line, the init advisor, bad requests
// as problem+json with pointers, and the OpenAPI document.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../helpers/databases.ts';
import { http, type RunningService, startService } from '../helpers/service.ts';

// The endpoint reads no database: one kind (embedded PGlite) is enough.
describe('POST /v1/theory', () => {
  let db: TestDatabase;
  let svc: RunningService;
  beforeAll(async () => {
    db = await freshDatabase('pglite');
    svc = await startService(db);
  });
  afterAll(async () => {
    await svc?.close();
    await db?.drop();
  });
  const theory = (body: unknown) => http(`${svc.url}/v1/theory`, { body });

  it('answers a point: ReLU at He’s σ_w² = 2 is critical', async () => {
    const r = await theory({ activation: 'relu', sigmaW2: 2, sigmaB2: 0 });
    expect(r.status).toBe(200);
    expect(r.body.mode).toBe('point');
    expect(r.body.point.phase).toBe('critical');
    expect(r.body.point.chi1).toBeCloseTo(1, 12);
    expect(r.body.point.xiC).toBeNull(); // ∞ at criticality
    expect(r.body.method).toMatch(/Gauss–Hermite/);
  });

  it('answers a grid, rows σ_b² and columns σ_w², with the critical line per row', async () => {
    const r = await theory({
      activation: 'tanh',
      sigmaW2: { from: 1, to: 3, steps: 5 },
      sigmaB2: [0, 0.05],
    });
    expect(r.status).toBe(200);
    expect(r.body.sigmaW2).toEqual([1, 1.5, 2, 2.5, 3]);
    expect(r.body.grid.chi1).toHaveLength(2);
    expect(r.body.grid.chi1[1]).toHaveLength(5);
    expect(r.body.grid.phase[1].slice(0, 2)).toEqual(['ordered', 'ordered']);
    expect(r.body.grid.phase[1].slice(2)).toEqual(['chaotic', 'chaotic', 'chaotic']);
    expect(r.body.grid.criticalSigmaW2[0]).toBeCloseTo(1, 5);
    expect(r.body.grid.criticalSigmaW2[1]).toBeCloseTo(1.761, 2);
  });

  it('advises a network: tanh under Xavier needs more gain; He-initialized ReLU is on the line', async () => {
    const network = {
      inputSize: 64,
      layers: [
        ...Array.from({ length: 6 }, () => ({ units: 64, activation: 'relu' })),
        { units: 1, activation: 'linear' },
      ],
      loss: 'mse',
    };
    const he = await theory({ network, init: { weights: { scheme: 'he_normal' }, seed: 1 } });
    expect(he.status).toBe(200);
    expect(he.body.mode).toBe('network');
    expect(he.body.advice.layers).toHaveLength(7);
    expect(he.body.advice.layers[0].criticalGain).toBeCloseTo(Math.SQRT2, 8);
    expect(Math.abs(he.body.advice.layers[2].gainFactor - 1)).toBeLessThan(0.1);
    const tanhNet = {
      ...network,
      layers: network.layers.map((l, i) => (i < 6 ? { ...l, activation: 'tanh' } : l)),
    };
    const xavier = await theory({
      network: tanhNet,
      init: { weights: { scheme: 'xavier_normal' }, bias: { scheme: 'constant', value: 0.2 } },
    });
    expect(xavier.body.advice.layers[1].gainFactor).toBeGreaterThan(1.2);
  });

  it.each([
    [
      'a grid over 10,000 cells',
      { sigmaW2: { from: 1, to: 2, steps: 101 }, sigmaB2: { from: 0, to: 1, steps: 100 } },
      '/body/sigmaW2',
    ],
    ['an unknown activation', { activation: 'gelu', sigmaW2: 1 }, '/body/activation'],
    ['a negative variance', { sigmaW2: -1 }, '/body/sigmaW2'],
    [
      'network without init',
      { network: { inputSize: 2, layers: [{ units: 1, activation: 'linear' }], loss: 'mse' } },
      '/body/init',
    ],
    ['an unknown field', { sigmaW2: 1, depth: 3 }, '/body/depth'],
  ])('rejects %s with a problem naming the field', async (_what, body, pointer) => {
    const r = await theory(body);
    expect([400, 422]).toContain(r.status);
    expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(r.body.errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
  });

  it('is in the OpenAPI document', async () => {
    const doc = await http(`${svc.url}/docs/json`);
    expect(doc.body.paths['/v1/theory'].post.requestBody).toBeDefined();
  });
});
