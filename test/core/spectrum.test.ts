// The input–output Jacobian's spectrum at initialization: exact for orthogonal linear nets, spreading with depth
// for Gaussian ones, concentrated for orthogonal tanh at criticality (Pennington et al. 2017).
import { describe, expect, it } from 'vitest';
import { initializeParameters, initRng } from '../../src/core/initializers.ts';
import { viewsOf } from '../../src/core/model.ts';
import { buildNetwork, createWorkspace, forward } from '../../src/core/network.ts';
import { Rng } from '../../src/core/rng.ts';
import type { ActivationName, InitScheme } from '../../src/core/spec.ts';
import { jacobianSpectrum, MAX_SPECTRUM_WIDTH } from '../../src/core/spectrum.ts';

function spectrumAt(
  width: number,
  depth: number,
  activation: ActivationName,
  weights: InitScheme,
  inputStd = 1,
  seed = 1,
) {
  const net = buildNetwork({
    inputSize: width,
    layers: Array.from({ length: depth }, (_, l) => ({
      units: width,
      activation: l === depth - 1 ? 'linear' : activation,
      bias: false,
    })),
    loss: 'mse',
  });
  const theta = new Float64Array(net.layout.size);
  initializeParameters(net.layout, { weights, seed }, initRng({ weights, seed }), theta);
  const params = viewsOf(net.layout, theta);
  const batch = 4;
  const rng = new Rng(seed + 100);
  const X = Float64Array.from({ length: batch * width }, () => inputStd * rng.normal());
  const ws = createWorkspace(net.layout, batch);
  forward(net, params, X, batch, ws);
  const s = jacobianSpectrum(net, params, ws, 0, 20);
  if (!s) throw new Error('no spectrum');
  return s;
}

/** Variance of log σ: the spread of the spectrum on the scale where products add. */
function logSpread(sv: Float64Array): number {
  const logs = Array.from(sv, Math.log);
  const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
  return logs.reduce((a, b) => a + (b - mean) ** 2, 0) / logs.length;
}

describe('jacobianSpectrum', () => {
  it('a deep linear net with orthogonal init has every singular value equal to gain^L (to 1e-10)', () => {
    const gain = 1.1;
    const depth = 12;
    const s = spectrumAt(32, depth, 'linear', { scheme: 'orthogonal', gain });
    expect(s.singularValues.length).toBe(32);
    for (const v of s.singularValues) expect(Math.abs(v - gain ** depth)).toBeLessThan(1e-10);
    expect(s.meanSquare).toBeCloseTo(gain ** (2 * depth), 9);
    // 1.1^12 ≈ 3.14: outside a factor 2 of 1
    expect(s.fractionNearOne).toBe(0);
  });

  it('Gaussian linear nets spread the spectrum, more with depth', () => {
    const spreads = [2, 8, 32].map((depth) =>
      logSpread(spectrumAt(32, depth, 'linear', { scheme: 'normal', std: 1 / Math.sqrt(32) }).singularValues),
    );
    expect(spreads[0]).toBeGreaterThan(0.1);
    expect(spreads[1]).toBeGreaterThan(2 * spreads[0]);
    expect(spreads[2]).toBeGreaterThan(2 * spreads[1]);
    // the orthogonal one does not spread at all
    const orth = spectrumAt(32, 32, 'linear', { scheme: 'orthogonal' });
    expect(logSpread(orth.singularValues)).toBeLessThan(1e-20);
    expect(orth.fractionNearOne).toBe(1);
  });

  it('tanh at criticality (σ_w² = 1, σ_b = 0): orthogonal is more concentrated than Gaussian', () => {
    // small inputs: at σ_b = 0 the critical length fixed point is q* = 0, where the theory's isometry holds
    const depth = 16;
    const orth = spectrumAt(64, depth, 'tanh', { scheme: 'orthogonal' }, 0.1);
    const gauss = spectrumAt(64, depth, 'tanh', { scheme: 'normal', std: 1 / 8 }, 0.1);
    expect(orth.fractionNearOne).toBeGreaterThan(gauss.fractionNearOne);
    expect(orth.max / orth.min).toBeLessThan(gauss.max / gauss.min);
    expect(logSpread(orth.singularValues)).toBeLessThan(logSpread(gauss.singularValues) / 4);
  });

  it('the histogram counts every singular value on the log10 scale', () => {
    const s = spectrumAt(16, 4, 'tanh', { scheme: 'normal', std: 0.25 });
    const counts = Array.from(s.histogram.subarray(2));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(16);
    expect(s.histogram[0]).toBeCloseTo(Math.log10(s.min), 12);
    expect(s.histogram[1]).toBeCloseTo(Math.log10(s.max), 12);
  });

  it('declines a net wider than MAX_SPECTRUM_WIDTH', () => {
    const net = buildNetwork({
      inputSize: MAX_SPECTRUM_WIDTH + 1,
      layers: [{ units: 1, activation: 'linear' }],
      loss: 'mse',
    });
    const theta = new Float64Array(net.layout.size);
    const ws = createWorkspace(net.layout, 1);
    expect(jacobianSpectrum(net, viewsOf(net.layout, theta), ws, 0, 10)).toBeNull();
  });
});
