// The papers' probes through the HTTP API, on PGlite and Postgres: their budget, the 413's limit, the normal
// data source, the probe objectives, gradient-check verdicts that blame ε or backprop, evaluate's logits.
import { beforeAll, expect, it } from 'vitest';
import { describeServiceOnEachDatabase, http, type RunningService, runFinished } from '../helpers/service.ts';
import { spiralsGradcheck } from '../helpers/specs.ts';

/** Glorot & Bengio's probe: 5 tanh layers of 1000 units and a 10-way softmax on N(0, 1) inputs (5.01M parameters). */
const glorotProbe = {
  kind: 'probe',
  name: 'Glorot & Bengio 5 × 1000 tanh',
  network: {
    inputSize: 1000,
    layers: [
      ...Array.from({ length: 5 }, () => ({ units: 1000, activation: 'tanh' })),
      { units: 10, activation: 'softmax' },
    ],
    loss: 'categorical_cross_entropy',
  },
  init: { weights: { scheme: 'xavier_uniform' } },
  data: { source: 'normal', n: 64, features: 1000, targets: 'labels', classes: 10 },
};

describeServiceOnEachDatabase('probes', { env: { BODY_LIMIT_BYTES: '65536' } }, (service) => {
  let svc: RunningService;
  beforeAll(() => {
    svc = service();
  });

  const finished = (id: string) => runFinished(svc, id, 280_000);

  // Minutes, not seconds, on a loaded machine: 5M weights are drawn, probed and stored.
  it("runs Glorot & Bengio's 5.01M-parameter probe; training the same network is over the budget", {
    timeout: 300_000,
  }, async () => {
    const created = await http(`${svc.url}/v1/runs`, { body: glorotProbe });
    expect(created.status).toBe(202);
    const r = { body: await finished(created.body.id) };
    expect({ status: r.body.status, error: r.body.error }).toEqual({ status: 'succeeded', error: null });
    expect(r.body.result.layers).toHaveLength(6);
    const { kind: _k, name: _n, ...model } = glorotProbe;
    const train = await http(`${svc.url}/v1/runs`, {
      body: { ...model, kind: 'train', training: { optimizer: { kind: 'sgd', lr: 0.1 }, steps: 1 } },
    });
    expect(train.status).toBe(422);
    expect(train.body).toMatchObject({
      code: 'budget_exceeded',
      limitName: 'maxParameters',
      actual: 5_015_010,
    });
  });

  it('says in the 422 that probes have a budget of their own, sized by memory and time', async () => {
    // Regression: the budget is checked before the data are generated (this ran past the test timeout making 1e9
    // values before the 422).
    const r = await http(`${svc.url}/v1/runs`, {
      body: { ...glorotProbe, data: { ...glorotProbe.data, n: 1_000_000 }, batchSize: 1_000_000 },
    });
    expect(r.status).toBe(422);
    expect(r.body.limitName).toBe('maxDataValues');
    const note = 'probes and gradient checks do not train: their budget is sized by memory and time';
    // 4096 samples of 5 × 1000 activations (3 buffers) and 4 copies of the 5.01M parameters: > 512 MiB.
    const wide = await http(`${svc.url}/v1/runs`, {
      body: { ...glorotProbe, data: { ...glorotProbe.data, n: 4096 }, batchSize: 4096 },
    });
    expect(wide.status).toBe(422);
    expect(wide.body).toMatchObject({ limitName: 'maxCheckMemoryBytes', limit: 512 * 2 ** 20 });
    expect(wide.body.detail).toContain(note);
    // A fast gradient check of it on 32 samples: (3 + 420 + 361) × 32 × 5.01M multiply-adds > 1e11.
    const { kind: _k, ...model } = glorotProbe;
    const check = await http(`${svc.url}/v1/runs`, { body: { ...model, kind: 'gradcheck', mode: 'fast' } });
    expect(check.status).toBe(422);
    expect(check.body).toMatchObject({ limitName: 'maxCheckWork', limit: 1e11 });
    expect(check.body.detail).toContain(note);
    expect(check.body.errors[0].pointer).toBe('/body/sampleSize');
  });

  it('the 413 says the limit', async () => {
    const features = Array.from({ length: 4000 }, (_, i) => [i * 1e-3, Math.sqrt(i)]);
    const r = await http(`${svc.url}/v1/runs`, {
      body: { ...glorotProbe, data: { source: 'inline', features, labels: features.map(() => 0) } },
    });
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({ code: 'payload_too_large', limitName: 'BODY_LIMIT_BYTES', limit: 65536 });
    expect(r.body.detail).toContain('larger than 65536 bytes (BODY_LIMIT_BYTES');
    expect(r.body.detail).toContain('"normal"');
  });

  it("expresses He et al.'s probe without inline data: 1024 × 256 N(0, 1), random projection", async () => {
    const r = await http(`${svc.url}/v1/runs`, {
      headers: { prefer: 'wait=60' },
      body: {
        kind: 'probe',
        objective: 'random_projection',
        network: {
          inputSize: 256,
          layers: [
            ...Array.from({ length: 4 }, () => ({ units: 256, activation: 'relu' })),
            { units: 256, activation: 'linear' },
          ],
          loss: 'mse',
        },
        init: { weights: { scheme: 'he_normal' }, seed: 1 },
        data: { source: 'normal', n: 1024, features: 256, outputs: 256 },
        batchSize: 1024,
      },
    });
    const run = r.status === 200 ? r.body : await finished(r.body.id);
    expect(run.status).toBe('succeeded');
    expect(run.result).toMatchObject({ batch: 1024, objective: 'random_projection' });
    expect(typeof run.result.objectiveValue).toBe('number');
    const std = run.result.fields.indexOf('preactStd');
    for (const row of run.result.layers) {
      expect(row[std]).toBeGreaterThan(Math.SQRT2 * 0.85);
      expect(row[std]).toBeLessThan(Math.SQRT2 * 1.15);
    }
  });

  it.each([
    [1e-2, 'truncation'],
    [1e-15, 'rounding'],
  ])(
    'a gradient check at ε = %s on a correct network blames ε (%s), not backprop',
    async (epsilon, cause) => {
      const r = await http(`${svc.url}/v1/runs`, {
        headers: { prefer: 'wait=60' },
        body: spiralsGradcheck({ epsilon }),
      });
      const run = r.status === 200 ? r.body : await finished(r.body.id);
      expect(run.result).toMatchObject({ epsilon, verdict: 'warn', cause });
      expect(run.result.message).not.toMatch(/bug/);
      expect(run.result.message).toContain(`use ε = `);
      expect(run.result.suggestedEpsilon).toBeGreaterThanOrEqual(1e-10);
      expect(run.result.epsilonScan).toHaveLength(9);
    },
  );

  it('/v1/evaluate returns the logits, every layer on request, and takes soft labels', async () => {
    const body = {
      network: {
        inputSize: 2,
        layers: [
          { units: 2, activation: 'tanh' },
          { units: 3, activation: 'softmax' },
        ],
        loss: 'categorical_cross_entropy',
      },
      weights: [
        {
          W: [
            [0.5, -1],
            [1, 0.25],
          ],
          b: [0, 0.1],
        },
        {
          W: [
            [1, 0],
            [0, 1],
            [-1, 1],
          ],
          b: [0, 0, 0.5],
        },
      ],
      features: [
        [1, 2],
        [-0.5, 0.5],
      ],
      labels: [
        [0.2, 0.5, 0.3],
        [0, 0, 1],
      ],
    };
    const plain = await http(`${svc.url}/v1/evaluate`, { body });
    expect(plain.status).toBe(200);
    expect(plain.body.layers).toBeNull();
    // By hand: A1 = tanh(X·W1ᵀ + b1), Z2 = A1·W2ᵀ + b2, loss = −mean Σ y log softmax(Z2).
    const X = body.features;
    const A1 = X.map(([a, b]) => [Math.tanh(0.5 * a - b), Math.tanh(a + 0.25 * b + 0.1)]);
    const Z2 = A1.map(([a, b]) => [a, b, -a + b + 0.5]);
    plain.body.logits.forEach((row: number[], r: number) => {
      row.forEach((z, j) => {
        expect(z).toBeCloseTo(Z2[r][j], 15);
      });
    });
    const loss =
      Z2.reduce((sum, z, r) => {
        const lse = Math.log(z.reduce((s, v) => s + Math.exp(v), 0));
        return sum - body.labels[r].reduce((s, y, j) => s + y * (z[j] - lse), 0);
      }, 0) / 2;
    expect(plain.body.loss).toBeCloseTo(loss, 14);
    const full = await http(`${svc.url}/v1/evaluate`, { body: { ...body, activations: true } });
    expect(full.body.layers).toHaveLength(2);
    expect(full.body.layers[0].A[0][1]).toBeCloseTo(A1[0][1], 15);
    expect(full.body.layers[1]).toEqual({ Z: full.body.logits, A: full.body.outputs });
    const bad = await http(`${svc.url}/v1/evaluate`, {
      body: {
        ...body,
        labels: [
          [0.2, 0.5, 0.4],
          [0, 0, 1],
        ],
      },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].pointer).toBe('/body/labels/0');
  });
});
