// Run spec schemas: valid requests parse unchanged; malformed ones fail at the right path.
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { runProbe } from '../../src/core/probe.ts';
import type { ProbeRunSpec } from '../../src/core/run-spec.ts';
import {
  DataSpecSchema,
  InitSchemeSchema,
  NetworkSpecSchema,
  RUN_SPEC_EXAMPLES,
  RunSpecSchema,
  TrainSpecSchema,
} from '../../src/schemas/specs.ts';
import { circlesData } from '../helpers/circles.ts';

const base = {
  kind: 'train',
  network: {
    inputSize: 2,
    layers: [
      { units: 10, activation: 'relu' },
      { units: 1, activation: 'sigmoid' },
    ],
    loss: 'binary_cross_entropy',
  },
  init: { weights: { scheme: 'he_normal' } },
  data: { source: 'circles', n: 100 },
  training: { optimizer: { kind: 'sgd', lr: 0.01 }, steps: 10 },
};

/** The paths of the issues of a failed parse. */
function paths(schema: z.ZodType, input: unknown): (string | number | symbol)[][] {
  const result = schema.safeParse(input);
  expect(result.success).toBe(false);
  return result.error!.issues.map((i) => i.path);
}

function issues(schema: z.ZodType, input: unknown) {
  const result = schema.safeParse(input);
  expect(result.success).toBe(false);
  return result.error!.issues;
}

const clone = <T>(x: T): T => structuredClone(x);

/** Marks a key to delete in `edit`. */
const DELETE = Symbol('delete');

/** A copy of `base` with the value at `path` replaced (or deleted). */
function edit(path: (string | number)[], value: unknown): unknown {
  const copy = clone(base);
  let at = copy as unknown as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (value === DELETE) delete at[last];
  else at[last] = value;
  return copy;
}

describe('RunSpecSchema', () => {
  it('parses every documented example unchanged', () => {
    expect(RUN_SPEC_EXAMPLES).toHaveLength(3);
    for (const example of RUN_SPEC_EXAMPLES) expect(RunSpecSchema.parse(example)).toEqual(example);
  });

  it('parses the course data inline and a full-featured train spec', () => {
    const spec = {
      ...clone(base),
      name: 'everything',
      seed: 7,
      network: { ...clone(base.network), leakySlope: 0.2, eluAlpha: 1, l2: 0.7 },
      init: {
        weights: {
          scheme: 'variance_scaling',
          scale: 2,
          mode: 'fan_avg',
          distribution: 'uniform',
          gain: 1.5,
        },
        overrides: [
          {
            layer: 1,
            weights: { scheme: 'matrix', values: [Array(10).fill(0.1)] },
            bias: { scheme: 'vector', values: [0] },
          },
        ],
        bias: { scheme: 'constant', value: 0.01 },
        seed: 2 ** 32 - 1,
      },
      data: circlesData(),
      training: {
        optimizer: { kind: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
        epochs: 3,
        batchSize: 64,
        clip: { maxNorm: 5 },
        seed: 1,
      },
      telemetry: { every: 5, evalEvery: 50, histograms: { bins: 64, logScale: true, every: 10 } },
    };
    expect(RunSpecSchema.parse(spec)).toEqual(spec);
  });

  it('the deep linear example really explodes as 1.5^10 when the core runs it', () => {
    const spec = RUN_SPEC_EXAMPLES[1] as ProbeRunSpec;
    const outcome = runProbe(RunSpecSchema.parse(spec) as ProbeRunSpec);
    expect(outcome.diagnosis.verdict).toBe('exploding');
  });

  it('names an unknown key inside a layer (body/layers/1)', () => {
    const [issue] = issues(RunSpecSchema, edit(['network', 'layers', 1, 'dropout'], 0.5));
    expect(issue.code).toBe('unrecognized_keys');
    expect(issue.path).toEqual(['network', 'layers', 1]);
    expect((issue as { keys: string[] }).keys).toEqual(['dropout']);
  });

  it('rejects unknown keys at the top level and in nested schemes', () => {
    expect(paths(RunSpecSchema, { ...clone(base), extra: 1 })).toEqual([[]]);
    expect(paths(RunSpecSchema, edit(['init', 'weights', 'std'], 1))).toEqual([['init', 'weights']]);
  });

  it('rejects negative, fractional and oversized units', () => {
    for (const units of [-3, 0, 2.5, 5000]) {
      expect(paths(RunSpecSchema, edit(['network', 'layers', 0, 'units'], units))).toEqual([
        ['network', 'layers', 0, 'units'],
      ]);
    }
  });

  it('rejects numbers given as strings, NaN-ish strings and non-finite values', () => {
    for (const lr of ['0.01', 'NaN', 'Infinity', null, Number.NaN, Number.POSITIVE_INFINITY, 0, -1, 11]) {
      expect(paths(RunSpecSchema, edit(['training', 'optimizer', 'lr'], lr))).toEqual([
        ['training', 'optimizer', 'lr'],
      ]);
    }
  });

  it('reports missing fields by path', () => {
    const { init: _init, ...noInit } = clone(base);
    expect(paths(RunSpecSchema, noInit)).toEqual([['init']]);
    expect(paths(RunSpecSchema, edit(['network', 'layers', 0, 'activation'], DELETE))).toEqual([
      ['network', 'layers', 0, 'activation'],
    ]);
  });

  it('rejects a wrong discriminator at the discriminator', () => {
    expect(paths(RunSpecSchema, { ...clone(base), kind: 'finetune' })).toEqual([['kind']]);
    expect(paths(RunSpecSchema, edit(['data'], { source: 'mnist', n: 10 }))).toEqual([['data', 'source']]);
    const optimizer = edit(['training', 'optimizer'], { kind: 'lbfgs', lr: 1 });
    expect(paths(RunSpecSchema, optimizer)).toEqual([['training', 'optimizer', 'kind']]);
  });

  it('checks kind-specific fields: a probe has no training, a gradcheck bounds epsilon', () => {
    const { training: _t, ...model } = clone(base);
    expect(RunSpecSchema.safeParse({ ...model, kind: 'probe', batchSize: 32 }).success).toBe(true);
    expect(paths(RunSpecSchema, { ...clone(base), kind: 'probe' })).toEqual([[]]);
    expect(
      RunSpecSchema.safeParse({ ...model, kind: 'gradcheck', epsilon: 1e-7, mode: 'fast' }).success,
    ).toBe(true);
    expect(paths(RunSpecSchema, { ...model, kind: 'gradcheck', epsilon: 0.1 })).toEqual([['epsilon']]);
    expect(paths(RunSpecSchema, { ...model, kind: 'gradcheck', epsilon: 0 })).toEqual([['epsilon']]);
  });

  it('bounds the name', () => {
    expect(paths(RunSpecSchema, { ...clone(base), name: '' })).toEqual([['name']]);
    expect(paths(RunSpecSchema, { ...clone(base), name: 'x'.repeat(201) })).toEqual([['name']]);
  });
});

describe('part schemas', () => {
  it('NetworkSpec bounds depth and leaky slope', () => {
    const layers = Array.from({ length: 201 }, () => ({ units: 2, activation: 'tanh' }));
    expect(paths(NetworkSpecSchema, { inputSize: 2, layers, loss: 'mse' })).toEqual([['layers']]);
    expect(paths(NetworkSpecSchema, { inputSize: 2, layers: [], loss: 'mse' })).toEqual([['layers']]);
    const net = { inputSize: 2, layers: [{ units: 1, activation: 'linear' }], loss: 'mse', leakySlope: -0.1 };
    expect(paths(NetworkSpecSchema, net)).toEqual([['leakySlope']]);
  });

  it("InitScheme requires each scheme's fields and checks uniform bounds", () => {
    expect(paths(InitSchemeSchema, { scheme: 'normal' })).toEqual([['std']]);
    expect(paths(InitSchemeSchema, { scheme: 'normal', std: -1 })).toEqual([['std']]);
    expect(paths(InitSchemeSchema, { scheme: 'uniform', low: 1, high: 0 })).toEqual([['high']]);
    expect(paths(InitSchemeSchema, { scheme: 'he_normal', mode: 'fan_avg' })).toEqual([['mode']]);
    // What the core no longer re-checks: unknown schemes, non-finite gains and entries, bias vector entries.
    expect(paths(InitSchemeSchema, { scheme: 'kaiming' })).toEqual([['scheme']]);
    expect(paths(InitSchemeSchema, { scheme: 'xavier_normal', gain: Number.NaN })).toEqual([['gain']]);
    const values = [[1, Number.POSITIVE_INFINITY]];
    expect(paths(InitSchemeSchema, { scheme: 'matrix', values })).toEqual([['values', 0, 1]]);
    const bias = { scheme: 'vector', values: [0, '1'] };
    expect(paths(RunSpecSchema, edit(['init', 'bias'], bias))).toEqual([['init', 'bias', 'values', 1]]);
    expect(
      InitSchemeSchema.parse({ scheme: 'lsuv', tolerance: 0.05, maxIterations: 20, gain: 2 }),
    ).toBeTruthy();
  });

  it('DataSpec bounds seeds, fractions and noise', () => {
    expect(paths(DataSpecSchema, { source: 'moons', n: 10, seed: -1 })).toEqual([['seed']]);
    expect(paths(DataSpecSchema, { source: 'moons', n: 10, seed: 2 ** 32 })).toEqual([['seed']]);
    expect(paths(DataSpecSchema, { source: 'moons', n: 10, testFraction: 1 })).toEqual([['testFraction']]);
    expect(paths(DataSpecSchema, { source: 'xor', n: 10, noise: -0.1 })).toEqual([['noise']]);
    expect(paths(DataSpecSchema, { source: 'circles', n: 10, factor: 1 })).toEqual([['factor']]);
    expect(paths(DataSpecSchema, { source: 'blobs', n: 10, classes: 1.5 })).toEqual([['classes']]);
    const inline = { source: 'inline', features: [[1, 'x']], labels: [0] };
    expect(paths(DataSpecSchema, inline)).toEqual([['features', 0, 1]]);
    // What the core no longer re-checks: non-finite values, empty features or rows.
    const x = (features: unknown, labels: unknown = [0]) => ({ ...inline, features, labels });
    expect(paths(DataSpecSchema, x([[0, Number.NaN]]))).toEqual([['features', 0, 1]]);
    expect(paths(DataSpecSchema, x([[Number.POSITIVE_INFINITY, 2]]))).toEqual([['features', 0, 0]]);
    expect(paths(DataSpecSchema, x([[1]], [Number.NaN]))).toEqual([['labels']]);
    expect(paths(DataSpecSchema, x([]))).toEqual([['features']]);
    expect(paths(DataSpecSchema, x([[]]))).toEqual([['features', 0]]);
  });

  it('TrainSpec takes steps or epochs, not both', () => {
    const optimizer = { kind: 'momentum', lr: 0.1, beta: 0.9, nesterov: true };
    expect(TrainSpecSchema.safeParse({ optimizer, steps: 5 }).success).toBe(true);
    expect(paths(TrainSpecSchema, { optimizer, steps: 5, epochs: 2 })).toEqual([['epochs']]);
    expect(paths(TrainSpecSchema, { optimizer, steps: 1_000_001 })).toEqual([['steps']]);
    expect(paths(TrainSpecSchema, { optimizer, clip: { maxNorm: 0 } })).toEqual([['clip', 'maxNorm']]);
  });
});
