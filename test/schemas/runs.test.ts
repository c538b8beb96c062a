// Run resource schemas: queries coerce and split their strings; responses accept what the service sends.
import { describe, expect, it } from 'vitest';
import { runGradcheck } from '../../src/core/gradcheck-run.ts';
import { runProbe } from '../../src/core/probe.ts';
import type { GradcheckRunSpec, ProbeRunSpec } from '../../src/core/run-spec.ts';
import { gradcheckResultJson, probeResultJson, RunResultSchema } from '../../src/schemas/results.ts';
import {
  ListRunsQuerySchema,
  MetricsQuerySchema,
  MetricsSchema,
  ModelSchema,
  RunIdParamsSchema,
  RunListSchema,
  RunSchema,
} from '../../src/schemas/runs.ts';
import { RUN_SPEC_EXAMPLES } from '../../src/schemas/specs.ts';
import { RUN_ID, sampleRun } from './fixtures.ts';

const id = RUN_ID;

describe('queries', () => {
  it('ListRunsQuery coerces limit and defaults it to 20', () => {
    expect(ListRunsQuerySchema.parse({})).toEqual({ limit: 20 });
    expect(ListRunsQuerySchema.parse({ limit: '100', status: 'running', kind: 'probe' })).toEqual({
      limit: 100,
      status: 'running',
      kind: 'probe',
    });
    for (const limit of ['0', '101', '2.5', 'ten']) {
      expect(ListRunsQuerySchema.safeParse({ limit }).error?.issues[0].path).toEqual(['limit']);
    }
    expect(ListRunsQuerySchema.safeParse({ status: 'done' }).success).toBe(false);
  });

  it('MetricsQuery splits layers and fields, names formats and layouts, and bounds maxPoints', () => {
    expect(
      MetricsQuerySchema.parse({ from: '10', to: '500', layers: '0, 3', fields: 'gradNorm,deadFrac' }),
    ).toEqual({
      from: 10,
      to: 500,
      layers: [0, 3],
      fields: ['gradNorm', 'deadFrac'],
      layout: 'long',
    });
    expect(MetricsQuerySchema.parse({ format: 'ndjson', layout: 'wide', maxPoints: '50000' })).toEqual({
      format: 'ndjson',
      layout: 'wide',
      maxPoints: 50_000,
    });
    expect(MetricsQuerySchema.safeParse({ format: 'xlsx' }).error?.issues[0].path).toEqual(['format']);
    expect(MetricsQuerySchema.safeParse({ layout: 'tall' }).error?.issues[0].path).toEqual(['layout']);
    expect(MetricsQuerySchema.parse({ layers: ['1', '2'] }).layers).toEqual([1, 2]);
    expect(MetricsQuerySchema.safeParse({ fields: 'gradNorm,bogus' }).error?.issues[0].path).toEqual([
      'fields',
      1,
    ]);
    expect(MetricsQuerySchema.safeParse({ layers: '0,-1' }).error?.issues[0].path).toEqual(['layers', 1]);
    expect(MetricsQuerySchema.safeParse({ layers: ',' }).error?.issues[0].path).toEqual(['layers']);
    expect(MetricsQuerySchema.safeParse({ maxPoints: '1' }).success).toBe(false);
    expect(MetricsQuerySchema.safeParse({ maxPoints: String(2 ** 31) }).success).toBe(false);
  });

  it('RunIdParams takes a uuid only', () => {
    expect(RunIdParamsSchema.parse({ id })).toEqual({ id });
    expect(RunIdParamsSchema.safeParse({ id: 'abc' }).error?.issues[0].path).toEqual(['id']);
  });
});

describe('responses', () => {
  it('Run and RunList accept a finished run', () => {
    const run = { ...sampleRun(), spec: RUN_SPEC_EXAMPLES[0] };
    expect(RunSchema.parse(run)).toEqual(run);
    const list = { items: [sampleRun()], nextCursor: null };
    expect(RunListSchema.parse(list)).toEqual(list);
  });

  it('a run list item leaves the spec out', () => {
    const parsed = RunListSchema.parse({
      items: [{ ...sampleRun(), spec: RUN_SPEC_EXAMPLES[0] }],
      nextCursor: 'c',
    });
    expect(parsed.items[0]).not.toHaveProperty('spec');
  });

  it('the JSON forms of probe and gradcheck outcomes fit RunResult', () => {
    const probe = probeResultJson(runProbe(RUN_SPEC_EXAMPLES[1] as ProbeRunSpec));
    expect(RunResultSchema.parse(probe)).toEqual(probe);
    expect(probe.layers).toHaveLength(10);
    expect(probe.layers[0]).toHaveLength(probe.fields.length);
    const check = gradcheckResultJson(runGradcheck(RUN_SPEC_EXAMPLES[2] as GradcheckRunSpec));
    expect(RunResultSchema.parse(check)).toEqual(check);
    expect(check.verdict).toBe('pass');
  });

  it('Metrics and Model carry nulls for non-finite values', () => {
    const metrics = {
      runId: id,
      fields: ['gradNorm', 'deadFrac'],
      layers: [0],
      steps: [0, 10],
      loss: [0.69, null],
      gradNorm: [0.1, null],
      trainAccuracy: [0.5, null],
      testAccuracy: [null, null],
      values: [
        [
          [0.1, null],
          [null, null],
        ],
      ],
      recordedSteps: 2,
      returnedSteps: 2,
      downsampled: false,
      totalPoints: 2,
    };
    expect(MetricsSchema.parse(metrics)).toEqual(metrics);
    expect(MetricsSchema.safeParse({ ...metrics, fields: ['nope'] }).success).toBe(false);
    const model = {
      runId: id,
      layout: { inputSize: 2, layers: [{ fanIn: 2, fanOut: 1, activation: 'sigmoid', hasBias: true }] },
      initial: [{ W: [[0.1, -0.2]], b: [0] }],
      final: [{ W: [[null, 1e308]], b: [null] }],
    };
    expect(ModelSchema.parse(model)).toEqual(model);
  });
});
