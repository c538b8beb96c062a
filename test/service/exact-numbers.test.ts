// Numbers survive storage bit for bit (issue 10 §2): what a run spec sends comes back from /v1/runs/:id and
// /model with the same bits, and training starts from exactly those numbers; on PGlite and on Postgres.
import { expect, it } from 'vitest';
import { circlesData } from '../helpers/circles.ts';
import { describeServiceOnEachDatabase, http } from '../helpers/service.ts';
import { quickTrain } from '../helpers/specs.ts';

/** JSON text that keeps −0 (JSON.stringify writes it as 0). */
const exactJson = (v: unknown) => JSON.stringify(v, (_k, x) => (Object.is(x, -0) ? JSON.rawJSON('-0') : x));

/** Every number replaced by the hex of its float64 bits, so that equality is bitwise (−0 ≠ 0). */
function bits(v: unknown): unknown {
  if (typeof v === 'number') return Buffer.from(new Float64Array([v]).buffer).toString('hex');
  if (Array.isArray(v)) return v.map(bits);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, bits(x)]));
  return v;
}

// Doubles that a 15- or 16-digit round trip, or a careless codec, changes; weights stay within the schema's
// ±1e6, features may be any finite double. The ±1.7976931348623157e308 rows saturate every tanh unit
// (their gradient is exactly 0), so the run trains on them without overflowing.
const W0 = [
  [1.7886284734303186, 5e-324],
  [-0.30000000000000004, -2.2250738585072014e-308],
  [0.7999999999999999, -0],
];
const B0 = [999999.9999999999, -5e-324, -0];
const W1 = [[0.43650985051198943, -1.0000000000000002, 2.2250738585072014e-308]];
const FEATURES = [
  [1.7886284734303186, -0],
  [5e-324, 0.30000000000000004],
  [-2.2250738585072014e-308, 0.9999999999999999],
  [1.7976931348623157e308, 5e-324],
  [-1.7976931348623157e308, -0],
];
const LABELS = [1, 0, 1, 0, 1];
const NETWORK = {
  inputSize: 2,
  layers: [
    { units: 3, activation: 'tanh' },
    { units: 1, activation: 'sigmoid' },
  ],
  loss: 'binary_cross_entropy',
};

const adversarial = {
  kind: 'train',
  name: 'adversarial doubles',
  network: NETWORK,
  init: {
    weights: { scheme: 'matrix', values: W0 },
    bias: { scheme: 'vector', values: B0 },
    overrides: [
      { layer: 1, weights: { scheme: 'matrix', values: W1 }, bias: { scheme: 'vector', values: [-0] } },
    ],
  },
  data: { source: 'inline', features: FEATURES, labels: LABELS },
  training: { optimizer: { kind: 'sgd', lr: 0.1 }, steps: 2 },
  telemetry: { every: 1 },
};

describeServiceOnEachDatabase('exact numbers', (service) => {
  const url = () => service().url;

  /** Submits the spec as exact JSON text and waits (Prefer: wait) until the run is final. */
  async function submit(spec: object) {
    const created = await http(`${url()}/v1/runs`, {
      body: exactJson(spec),
      headers: { prefer: 'wait=60' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    return created.body;
  }

  async function firstLossAndEvaluate(id: string, weights: unknown, features: unknown, labels: unknown) {
    const metrics = await http(`${url()}/v1/runs/${id}/metrics?from=0&to=0`);
    expect(metrics.status).toBe(200);
    const evaluated = await http(`${url()}/v1/evaluate`, {
      body: exactJson({ network: NETWORK, weights, features, labels }),
    });
    expect(evaluated.status, JSON.stringify(evaluated.body)).toBe(200);
    return { trained: metrics.body.loss[0], evaluated: evaluated.body.loss };
  }

  it('a spec of adversarial doubles comes back bitwise from /v1/runs/:id and /model, and training uses it', async () => {
    const run = await submit(adversarial);
    const { name: _name, ...spec } = adversarial;
    expect(bits(run.spec)).toEqual(bits(spec));
    const read = await http(`${url()}/v1/runs/${run.id}`);
    expect(bits(read.body.spec)).toEqual(bits(spec));

    const model = await http(`${url()}/v1/runs/${run.id}/model`);
    expect(model.status).toBe(200);
    expect(bits(model.body.initial)).toEqual(
      bits([
        { W: W0, b: B0 },
        { W: W1, b: [-0] },
      ]),
    );

    const weights = [
      { W: W0, b: B0 },
      { W: W1, b: [-0] },
    ];
    const loss = await firstLossAndEvaluate(run.id, weights, FEATURES, LABELS);
    expect(bits(loss.trained)).toEqual(bits(loss.evaluated));
  });

  it("the issue's case: W = [[1.7886284734303186]] trains from that weight (first loss as /v1/evaluate's)", async () => {
    const network = {
      inputSize: 1,
      layers: [{ units: 1, activation: 'sigmoid' }],
      loss: 'binary_cross_entropy',
    };
    const spec = {
      kind: 'train',
      network,
      init: { weights: { scheme: 'matrix', values: [[1.7886284734303186]] } },
      data: { source: 'inline', features: [[-1.7886284734303186], [1]], labels: [1, 0] },
      training: { optimizer: { kind: 'sgd', lr: 0.1 }, steps: 1 },
    };
    const run = await submit(spec);
    expect(bits(run.spec)).toEqual(bits(spec));
    const model = await http(`${url()}/v1/runs/${run.id}/model`);
    expect(bits(model.body.initial[0].W)).toEqual(bits([[1.7886284734303186]]));
    const metrics = await http(`${url()}/v1/runs/${run.id}/metrics?from=0&to=0`);
    const evaluated = await http(`${url()}/v1/evaluate`, {
      body: {
        network,
        weights: [{ W: [[1.7886284734303186]], b: [0] }],
        features: spec.data.features,
        labels: [1, 0],
      },
    });
    expect(evaluated.status, JSON.stringify(evaluated.body)).toBe(200);
    expect(bits(metrics.body.loss[0])).toEqual(bits(evaluated.body.loss));
  });

  it("the course's circles data submitted inline come back unchanged, all 600 + 200 coordinates", async () => {
    const data = circlesData();
    // The course's network, trained one step on the data.
    const spec = quickTrain(1, { data });
    const run = await submit(spec);
    const read = await http(`${url()}/v1/runs/${run.id}`);
    expect(bits(read.body.spec.data)).toEqual(bits(data));
  });
});
