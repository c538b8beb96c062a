// The probe result's JSON with the theory fields, and results stored before them (served unchanged).
import { describe, expect, it } from 'vitest';
import { runProbe } from '../../src/core/probe.ts';
import { ProbeResultSchema, probeResultJson } from '../../src/schemas/results.ts';

const spec = {
  kind: 'probe' as const,
  network: {
    inputSize: 8,
    layers: [
      { units: 8, activation: 'relu' as const },
      { units: 1, activation: 'sigmoid' as const },
    ],
    loss: 'binary_cross_entropy' as const,
  },
  init: { weights: { scheme: 'he_normal' as const } },
  data: { source: 'normal' as const, n: 32, features: 8, targets: 'labels' as const, classes: 2 },
};

describe('ProbeResult', () => {
  it('carries the spectrum and the advisor, and passes its schema', () => {
    const json = probeResultJson(runProbe(spec));
    expect(ProbeResultSchema.parse(json)).toEqual(json);
    // one output: ∂Z_L/∂x is a row vector with one singular value, its norm
    expect(json.spectrum?.singularValues).toHaveLength(1);
    expect(json.theory?.layers).toHaveLength(2);
  });

  it('still accepts a result stored before the theory fields existed', () => {
    const { spectrum: _s, theory: _t, ...old } = probeResultJson(runProbe(spec));
    expect(ProbeResultSchema.safeParse(old).success).toBe(true);
  });
});
