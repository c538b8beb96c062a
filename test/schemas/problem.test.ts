// Problem details: zod issues become per-field errors with JSON pointers that name the request part and key.
import { describe, expect, it } from 'vitest';
import {
  issuesFromFastifyValidation,
  jsonPointer,
  ProblemSchema,
  zodIssuesToProblemErrors,
} from '../../src/schemas/problem.ts';
import { ListRunsQuerySchema } from '../../src/schemas/runs.ts';
import { RunSpecSchema } from '../../src/schemas/specs.ts';

const spec = {
  kind: 'probe',
  network: {
    inputSize: 2,
    layers: [
      { units: 4, activation: 'tanh' },
      { units: 1, activation: 'sigmoid', dropout: 0.1, momentum: 0.9 },
    ],
    loss: 'binary_cross_entropy',
  },
  init: { weights: { scheme: 'xavier_normal' } },
  data: { source: 'moons', n: -5 },
};

describe('zodIssuesToProblemErrors', () => {
  it('names each unknown key in the path and pointer', () => {
    const errors = zodIssuesToProblemErrors(RunSpecSchema.safeParse(spec).error!.issues, 'body');
    expect(errors).toContainEqual({
      path: ['network', 'layers', 1, 'dropout'],
      pointer: '/body/network/layers/1/dropout',
      message: 'unknown key "dropout"',
      code: 'unrecognized_keys',
    });
    expect(errors.map((e) => e.pointer)).toContain('/body/network/layers/1/momentum');
    const n = errors.find((e) => e.pointer === '/body/data/n');
    expect(n).toMatchObject({ path: ['data', 'n'], code: 'too_small' });
    expect(n!.message).toMatch(/>=\s*1/);
  });

  it('prefixes the location and handles an empty path', () => {
    const errors = zodIssuesToProblemErrors(
      ListRunsQuerySchema.safeParse({ limit: '0', bogus: 'x' }).error!.issues,
      'query',
    );
    expect(errors.map((e) => e.pointer).sort()).toEqual(['/query/bogus', '/query/limit']);
    expect(zodIssuesToProblemErrors([{ path: [], message: 'bad', code: 'custom' }], 'params')).toEqual([
      { path: [], pointer: '/params', message: 'bad', code: 'custom' },
    ]);
  });

  it('escapes pointer tokens (RFC 6901)', () => {
    expect(jsonPointer('body', ['a/b', 'c~d', 0])).toBe('/body/a~1b/c~0d/0');
  });

  it('recovers issues from fastify validation entries', () => {
    const validation = [
      {
        keyword: 'unrecognized_keys',
        instancePath: '/network/layers/1',
        message: 'Unrecognized key',
        params: { keys: ['dropout'] },
      },
      { keyword: 'too_small', instancePath: '/data/n', message: 'Too small' },
      { keyword: 'invalid_type', instancePath: '/', message: 'expected object' },
    ];
    const errors = zodIssuesToProblemErrors(issuesFromFastifyValidation(validation), 'body');
    expect(errors).toEqual([
      {
        path: ['network', 'layers', 1, 'dropout'],
        pointer: '/body/network/layers/1/dropout',
        message: 'unknown key "dropout"',
        code: 'unrecognized_keys',
      },
      { path: ['data', 'n'], pointer: '/body/data/n', message: 'Too small', code: 'too_small' },
      { path: [], pointer: '/body', message: 'expected object', code: 'invalid_type' },
    ]);
  });
});

describe('ProblemSchema', () => {
  it('accepts a validation problem and a budget problem', () => {
    const validation = {
      type: 'about:blank',
      title: 'Invalid request',
      status: 400,
      code: 'validation_failed',
      detail: 'body/network/layers/1 has an unknown key "dropout"',
      instance: '/v1/runs',
      errors: zodIssuesToProblemErrors(RunSpecSchema.safeParse(spec).error!.issues, 'body'),
    };
    expect(ProblemSchema.parse(validation)).toEqual(validation);
    const budget = {
      type: 'about:blank',
      title: 'Over budget',
      status: 422,
      code: 'budget_exceeded',
      limitName: 'maxWorkUnits',
      limit: 5e12,
      actual: 7.3e12,
      retryAfter: 0,
    };
    expect(ProblemSchema.parse(budget)).toEqual(budget);
    expect(ProblemSchema.safeParse({ ...budget, status: 99 }).success).toBe(false);
  });
});
