// The dashboard's presets are valid requests: they parse with the API schema, the core accepts them, and they fit
// the default compute budget, so a click on any of them starts its runs.
import { describe, expect, it } from 'vitest';
import { validateRunSpec } from '../../src/core/index.ts';
import type { RunSpec } from '../../src/core/run-spec.ts';
import { checkBudget } from '../../src/runs/budget.ts';
import { RunSpecSchema } from '../../src/schemas/specs.ts';
import { PRESETS, presetById, presetJson } from '../../web/src/presets.ts';

const cases = PRESETS.flatMap((p) =>
  p.specs.map((spec, i) => ({ label: `${p.id}[${i}] ${spec.name}`, spec })),
);

describe('dashboard presets', () => {
  it('have unique ids and at least one spec each', () => {
    expect(new Set(PRESETS.map((p) => p.id)).size).toBe(PRESETS.length);
    for (const p of PRESETS) expect(p.specs.length).toBeGreaterThan(0);
  });

  it.each(cases)('$label parses with RunSpecSchema', ({ spec }) => {
    const parsed = RunSpecSchema.safeParse(spec);
    expect(parsed.error?.issues ?? []).toEqual([]);
  });

  it.each(cases)('$label is accepted by the core and fits the default budget', ({ spec }) => {
    const { name: _name, ...core } = spec;
    expect(() => validateRunSpec(core as RunSpec)).not.toThrow();
    expect(checkBudget(core as RunSpec)).toBeNull();
  });

  it('show their JSON in the editor as an object, or an array for several runs', () => {
    expect(JSON.parse(presetJson(presetById('course-he')!))).toMatchObject({ kind: 'train' });
    const pair = JSON.parse(presetJson(presetById('relu30')!));
    expect(Array.isArray(pair) && pair.length).toBe(2);
  });

  it('follow the course exercise and the named experiments', () => {
    const he = presetById('course-he')!.specs[0];
    expect(he).toMatchObject({
      kind: 'train',
      network: { inputSize: 2, loss: 'binary_cross_entropy' },
      init: { weights: { scheme: 'he_normal' } },
      data: { source: 'circles', n: 300, noise: 0.05, testFraction: 0.25 },
      training: { optimizer: { kind: 'sgd', lr: 0.01 }, steps: 15_000 },
      telemetry: { every: 50 },
    });
    expect(he.network.layers.map((l) => [l.units, l.activation])).toEqual([
      [10, 'relu'],
      [5, 'relu'],
      [1, 'sigmoid'],
    ]);
    expect(presetById('course-randn10')!.specs[0].init.weights).toEqual({ scheme: 'normal', std: 10 });
    const relu = presetById('relu30')!.specs;
    expect(relu.map((s) => s.network.layers.length)).toEqual([30, 30]);
    expect(relu.map((s) => s.init.weights.scheme)).toEqual(['xavier_normal', 'he_normal']);
    const tanh = presetById('tanh10')!.specs[0].init.weights;
    expect(tanh).toEqual({ scheme: 'uniform', low: -0.1, high: 0.1 });
    const linear = presetById('deep-linear-probe')!.specs;
    expect(linear.map((s) => s.init.weights)).toEqual([
      { scheme: 'identity', scale: 1.5 },
      { scheme: 'identity', scale: 0.5 },
    ]);
  });
});
