// POST /v1/evaluate under fire: random JSON, mutated valid requests, mismatched shapes, NaN as strings, huge batches.
import fc from 'fast-check';
import { mutatedDocument } from '../support/arbitraries.ts';
import { toJsonText } from '../support/json-text.ts';
import { describeRequest, jsonRequest, probe, runs } from '../support/service.ts';
import { forEachLimit } from '../support/verdict.ts';
import { cases, LANES, type StormContext } from './context.ts';

const matrix = (rows: number, cols: number, v = 0.5) =>
  Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => v * (i - j)));

/** Valid requests: one sigmoid unit; a tanh → softmax net without the last bias; an mse regression with vector labels. */
export const EVALUATE_BASES = [
  {
    network: { inputSize: 2, layers: [{ units: 1, activation: 'sigmoid' }], loss: 'binary_cross_entropy' },
    weights: [{ W: [[1, -1]], b: [0.5] }],
    features: [[2, 1]],
    labels: [1],
  },
  {
    network: {
      inputSize: 3,
      layers: [
        { units: 2, activation: 'tanh' },
        { units: 3, activation: 'softmax', bias: false },
      ],
      loss: 'categorical_cross_entropy',
      l2: 0.1,
    },
    weights: [
      { W: matrix(2, 3), b: [0, 0.1] },
      { W: matrix(3, 2), b: null },
    ],
    features: matrix(4, 3, 1),
    labels: [0, 2, 1, 0],
  },
  {
    network: {
      inputSize: 2,
      layers: [
        { units: 2, activation: 'leaky_relu' },
        { units: 2, activation: 'linear' },
      ],
      loss: 'mse',
      leakySlope: 0.2,
    },
    weights: [
      { W: matrix(2, 2), b: [0, 0] },
      { W: matrix(2, 2), b: [1, 1] },
    ],
    features: matrix(3, 2, 2),
    labels: matrix(3, 2, 3),
  },
];

/** Requests whose shapes disagree with their network, or that sit at and beyond the size limits. */
function shapeCases(): unknown[] {
  const [one, two] = EVALUATE_BASES as [(typeof EVALUATE_BASES)[0], (typeof EVALUATE_BASES)[1]];
  const wide = 316; // 316 × 316 + 316 ≈ 100k parameters: the evaluate limit
  const big = {
    network: { inputSize: wide, layers: [{ units: wide, activation: 'relu' }], loss: 'mse' },
    weights: [{ W: matrix(wide, wide, 1e-3), b: Array(wide).fill(0) }],
    features: matrix(512, wide, 1e-2),
    labels: matrix(512, wide, 1e-2),
  };
  return [
    { ...one, weights: [] },
    { ...one, weights: [...one.weights, ...one.weights] },
    { ...one, weights: [{ W: [[1]], b: [0.5] }] },
    {
      ...one,
      weights: [
        {
          W: [
            [1, -1],
            [1, -1],
          ],
          b: [0.5],
        },
      ],
    },
    { ...one, weights: [{ W: [[1, -1]], b: null }] },
    { ...one, weights: [{ W: [[1, -1]], b: [0.5, 0.5] }] },
    { ...one, weights: [{ W: [[1, 'NaN']], b: ['Infinity'] }] },
    { ...one, weights: [{ W: [['1e999', -1]], b: [0.5] }] },
    { ...one, weights: [{ W: [[1e308, 1e308]], b: [1e308] }], features: [[1e308, 1e308]] },
    { ...one, features: [[2, 1, 0]] },
    { ...one, features: [] },
    { ...one, features: [[]] },
    { ...one, labels: [] },
    { ...one, labels: [1, 0] },
    { ...one, labels: [[1], [0]] },
    { ...one, labels: [7] },
    { ...one, labels: [-1] },
    { ...one, labels: [0.5] },
    { ...one, features: Array(513).fill([2, 1]), labels: Array(513).fill(1) },
    { ...one, features: Array(512).fill([2, 1]), labels: Array(512).fill(1) },
    { ...one, weights: Array(201).fill(one.weights[0]) },
    { ...two, labels: [0, 2, 3, 0] },
    {
      ...two,
      labels: [
        [0, 0, 1],
        [1, 0, 0],
        [0, 1, 0],
        [1, 0, 0],
      ],
    },
    { ...two, weights: [two.weights[0], { W: matrix(3, 2), b: [0, 0, 0] }] },
    { ...two, weights: [two.weights[1], two.weights[0]] },
    { ...two, network: { ...two.network, layers: Array(200).fill({ units: 3, activation: 'tanh' }) } },
    {
      ...two,
      network: {
        ...two.network,
        layers: [
          { units: 4096, activation: 'relu' },
          { units: 4096, activation: 'relu' },
        ],
      },
    },
    { ...two, features: matrix(4, 4097) },
    big,
    { ...big, network: { ...big.network, inputSize: wide + 1 } },
  ];
}

export async function evaluateStorm(ctx: StormContext): Promise<void> {
  const endpoint = 'POST /v1/evaluate';
  const json = cases(ctx, 'evaluate-json', fc.jsonValue({ maxDepth: 5 }), runs(60)).map((v) => ({
    text: toJsonText(v),
    what: 'random JSON',
  }));
  const mutated = cases(ctx, 'evaluate-mutated', mutatedDocument(EVALUATE_BASES), runs(300));
  const shapes = shapeCases().map((v, i) => ({ text: toJsonText(v), what: `shape case #${i}` }));
  const all = [...json, ...mutated, ...shapes];
  await forEachLimit(all, LANES, async (c) => {
    const req = jsonRequest('POST', '/v1/evaluate', c.text);
    const res = await probe(ctx.svc, ctx.tally, endpoint, req, () => `${c.what} :: ${describeRequest(req)}`);
    if (res && res.status < 300 && res.status !== 200) {
      ctx.tally.fail({ endpoint, signature: `odd success ${res.status}`, input: c.what });
    }
  });
}
