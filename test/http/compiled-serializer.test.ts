// The compiled response serializer writes the bytes zod's encode + JSON.stringify (−0 kept) write, for runs of
// every kind and shape the API answers with, keys out of order and unknown keys included.
import { createSerializerCompiler } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compileSerializer } from '../../src/http/compiled-serializer.ts';
import { keepNegativeZero } from '../../src/schemas/common.ts';
import { RunSchema } from '../../src/schemas/runs.ts';
import { probe, quickTrain, spiralsGradcheck } from '../helpers/specs.ts';
import { sampleRun } from '../schemas/fixtures.ts';

const viaZod = (schema: z.ZodType) =>
  createSerializerCompiler({ replacer: keepNegativeZero })({
    schema,
    method: 'GET',
    url: '/',
    httpStatus: '200',
  } as never) as (data: unknown) => string;

/** The same object with its keys in reverse order, all the way down. */
function reversed(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reversed);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v)
        .reverse()
        .map(([k, x]) => [k, reversed(x)]),
    );
  }
  return v;
}

const specOf = ({ name: _n, ...spec }: Record<string, unknown>) => spec;

const specs = {
  train: specOf(
    quickTrain(20, {
      init: { seed: 3, weights: { scheme: 'normal', mean: -0, std: 5e-324 }, bias: { scheme: 'zeros' } },
    }),
  ),
  inline: specOf(
    quickTrain(5, {
      data: {
        source: 'inline',
        features: [
          [1, -0],
          [0.30000000000000004, 2],
        ],
        labels: [1, 0],
      },
      training: { optimizer: { kind: 'adam', lr: 0.001 }, steps: 5 },
    }),
  ),
  probe,
  gradcheck: spiralsGradcheck(),
};

describe('compiled serializer (RunSchema)', () => {
  const compiled = compileSerializer(RunSchema);
  const reference = viaZod(RunSchema);

  it.each(Object.entries(specs))('writes a %s run as zod does, in order and out of order', (_what, spec) => {
    for (const run of [{ ...sampleRun(), spec }, reversed({ ...sampleRun(), spec })]) {
      expect(compiled(run)).toBe(reference(run));
    }
  });

  it('drops keys the schema does not know, as zod does, and writes results and errors', () => {
    const run = {
      ...sampleRun(),
      status: 'failed',
      extra: 1,
      summary: null,
      diagnosis: null,
      error: { message: 'é "q" \n', code: 'worker_crashed', stack: 'hidden' },
      progress: { totalSteps: 3, step: null, more: [1] },
      spec: specs.gradcheck,
    };
    const json = compiled(run);
    expect(json).toBe(reference(run));
    expect(json).not.toContain('hidden');
    expect(json).not.toContain('extra');
  });

  it('leaves what it cannot write without checking to zod, which still refuses bad data', () => {
    const run = { ...sampleRun(), spec: specs.probe, result: { layers: 'an older shape' } };
    expect(() => compiled(run)).toThrow();
    expect(() => reference(run)).toThrow();
  });
});

describe('compiled serializer (shapes)', () => {
  it('handles nullable, optional, never, loose objects, unions and arrays of objects', () => {
    const schema = z.object({
      a: z.number().nullable(),
      b: z.string().optional(),
      c: z.never().optional(),
      d: z.looseObject({ x: z.number() }),
      e: z.array(z.object({ y: z.boolean(), z: z.literal('z') })),
      f: z.union([z.array(z.number()), z.array(z.array(z.number()))]),
      g: z.discriminatedUnion('k', [
        z.strictObject({ k: z.literal('p'), p: z.number() }),
        z.object({ k: z.enum(['q', 'r']), q: z.array(z.number()).nullable() }),
      ]),
      h: z.union([z.object({ u: z.number() }), z.object({ v: z.number() })]),
    });
    const compiled = compileSerializer(schema);
    const reference = viaZod(schema);
    const values = [
      {
        h: { u: 1 },
        g: { p: -0, k: 'p' },
        f: [1, -0],
        e: [{ z: 'z', y: true, w: 1 }],
        d: { w: 2, x: 1 },
        a: null,
      },
      {
        a: -0,
        b: 'ü',
        d: { x: 2 },
        e: [],
        f: [[1], [2, 3]],
        g: { k: 'r', q: null, p: 1 },
        h: { v: 2, u: 'no' },
      },
      { a: 1, b: undefined, d: { x: 2 }, e: [], f: [], g: { q: [1, -0], k: 'q' }, h: { v: 2 } },
    ];
    for (const v of values) expect(compiled(v)).toBe(reference(v));
  });
});
