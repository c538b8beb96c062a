// What a probe adds from the theory: the Jacobian spectrum at its first sample and the init advisor's predictions,
// beside the statistics it measures.
import { describe, expect, it } from 'vitest';
import { runProbe } from '../../src/core/probe.ts';
import type { ProbeRunSpec } from '../../src/core/run-spec.ts';
import { FIELD, FIELD_COUNT } from '../../src/core/stats.ts';

function probe(scheme: 'orthogonal' | 'xavier_normal', depth = 8, width = 128): ProbeRunSpec {
  return {
    kind: 'probe',
    objective: 'random_projection',
    network: {
      inputSize: width,
      layers: [
        ...Array.from({ length: depth }, () => ({ units: width, activation: 'tanh' as const, bias: false })),
        { units: width, activation: 'linear' as const, bias: false },
      ],
      loss: 'mse',
    },
    init: { weights: { scheme }, seed: 2 },
    data: { source: 'normal', n: 256, features: width, targets: 'regression', outputs: width },
  };
}

describe('a probe’s spectrum and theory', () => {
  it('reports the singular values of ∂Z_L/∂x, orthogonal tighter than Gaussian (Xavier) at the same depth', () => {
    const orth = runProbe(probe('orthogonal'));
    const gauss = runProbe(probe('xavier_normal'));
    if (!orth.spectrum || !gauss.spectrum) throw new Error('no spectrum');
    expect(orth.spectrum.singularValues).toHaveLength(128);
    expect(orth.spectrum.max / orth.spectrum.min).toBeLessThan(gauss.spectrum.max / gauss.spectrum.min);
  });

  it('predicts the measured preactStd of every layer within 10% and names the critical gain of tanh', () => {
    const out = runProbe(probe('xavier_normal'));
    out.theory.layers.forEach((l, i) => {
      const measured = out.layers[i * FIELD_COUNT + FIELD.preactStd];
      expect(Math.abs(measured / Math.sqrt(l.predictedPreactVar) - 1)).toBeLessThan(0.1);
    });
    // tanh without bias is critical at σ_w² = 1: Xavier with equal fans draws σ_w² ≈ 1
    expect(out.theory.layers[0].criticalGain).toBeCloseTo(1, 5);
    expect(Math.abs((out.theory.layers[0].gainFactor ?? 0) - 1)).toBeLessThan(0.02);
  });
});
