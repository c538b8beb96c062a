// The evaluate request checks shapes against the network and enforces its size limits; the response allows nulls.
import { describe, expect, it } from 'vitest';
import {
  EVALUATE_CONVENTIONS,
  EvaluateRequestSchema,
  EvaluateResponseSchema,
  MAX_EVALUATE_PARAMETERS,
  MAX_EVALUATE_SAMPLES,
} from '../../src/schemas/evaluate.ts';

const network = {
  inputSize: 2,
  layers: [
    { units: 3, activation: 'tanh' },
    { units: 1, activation: 'sigmoid', bias: false },
  ],
  loss: 'binary_cross_entropy',
};
const request = {
  network,
  weights: [
    {
      W: [
        [0.1, 0.2],
        [0.3, 0.4],
        [0.5, 0.6],
      ],
      b: [0, 0, 0],
    },
    { W: [[1, -1, 0.5]], b: null },
  ],
  features: [
    [0, 1],
    [1, 0],
  ],
  labels: [1, 0],
};

function firstIssue(input: unknown) {
  const result = EvaluateRequestSchema.safeParse(input);
  expect(result.success).toBe(false);
  return result.error!.issues[0];
}

describe('EvaluateRequestSchema', () => {
  it('accepts weights shaped (out, in) like nn.Linear', () => {
    expect(EvaluateRequestSchema.parse(request)).toEqual(request);
  });

  it('names a W of the wrong shape, a bias where there is none, and a short feature row', () => {
    const transposed = {
      ...request,
      weights: [
        {
          W: [
            [0.1, 0.3, 0.5],
            [0.2, 0.4, 0.6],
          ],
          b: [0, 0, 0],
        },
        request.weights[1],
      ],
    };
    expect(firstIssue(transposed).path).toEqual(['weights', 0, 'W']);
    const wrongRow = {
      ...request,
      weights: [{ W: [[0.1, 0.2], [0.3], [0.5, 0.6]], b: [0, 0, 0] }, request.weights[1]],
    };
    expect(firstIssue(wrongRow).path).toEqual(['weights', 0, 'W', 1]);
    const bias = { ...request, weights: [request.weights[0], { W: [[1, -1, 0.5]], b: [0] }] };
    expect(firstIssue(bias)).toMatchObject({
      path: ['weights', 1, 'b'],
      message: 'layer 1 has no bias: b must be null',
    });
    expect(firstIssue({ ...request, weights: [request.weights[0]] }).path).toEqual(['weights']);
    expect(firstIssue({ ...request, features: [[0, 1], [1]] }).path).toEqual(['features', 1]);
    expect(firstIssue({ ...request, labels: [1] }).path).toEqual(['labels']);
  });

  it(`takes at most ${MAX_EVALUATE_SAMPLES} samples and ${MAX_EVALUATE_PARAMETERS} parameters`, () => {
    const many = Array.from({ length: MAX_EVALUATE_SAMPLES + 1 }, () => [0, 1]);
    expect(firstIssue({ ...request, features: many, labels: many.map(() => 0) }).path).toEqual(['features']);
    const wide = {
      ...network,
      inputSize: 400,
      layers: [{ units: 400, activation: 'tanh' }, ...network.layers],
    };
    const issue = firstIssue({ ...request, network: wide });
    expect(issue.path).toEqual(['network']);
    expect(issue.message).toMatch(/160\d+ parameters; evaluate takes at most 100000/);
  });
});

describe('EvaluateResponseSchema', () => {
  it('accepts outputs and gradients with nulls for non-finite values', () => {
    const response = {
      outputs: [[0.6], [null]],
      logits: [[0.4], [null]],
      layers: null,
      loss: 0.7,
      dataLoss: 0.7,
      l2Penalty: 0,
      gradients: [
        {
          dW: [
            [0.1, 0.2],
            [0, 0],
            [null, 1],
          ],
          db: [0.1, 0, 0],
        },
        { dW: [[0.3, 0.2, 0.1]], db: null },
      ],
      conventions: EVALUATE_CONVENTIONS,
    };
    expect(EvaluateResponseSchema.parse(response)).toEqual(response);
  });
});
