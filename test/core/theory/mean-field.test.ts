// The mean-field theory against the papers' landmarks and against an independent integrator (adaptive Simpson).
import { describe, expect, it } from 'vitest';
import { recommendedGain } from '../../../src/core/initializers.ts';
import { gaussHermite } from '../../../src/core/theory/gauss-hermite.ts';
import {
  criticalSigmaW2,
  DEFAULT_NODES_1D,
  gaussMean,
  gaussMean2,
  meanField,
  rulesOf,
} from '../../../src/core/theory/mean-field.ts';
import { phiOf, THEORY_ACTIVATIONS } from '../../../src/core/theory/phi.ts';
import { simpsonMean, simpsonMean2 } from './simpson.ts';

describe('gaussHermite', () => {
  it('integrates the normal moments E[z^2k] = (2k−1)!! exactly up to degree 2n − 1', () => {
    const n = 20;
    const { z, w } = gaussHermite(n);
    let doubleFactorial = 1;
    for (let k = 0; k < n; k++) {
      if (k > 0) doubleFactorial *= 2 * k - 1;
      const moment = z.reduce((acc, x, i) => acc + w[i] * x ** (2 * k), 0);
      expect(Math.abs(moment - doubleFactorial) / doubleFactorial).toBeLessThan(1e-12);
      const odd = z.reduce((acc, x, i) => acc + w[i] * x ** (2 * k + 1), 0);
      expect(Math.abs(odd)).toBeLessThan(1e-12 * doubleFactorial * (2 * k + 1));
    }
  });

  it('rejects a node count it cannot build', () => {
    expect(() => gaussHermite(0)).toThrow('gaussHermite: n must be an integer in 1..400, got 0');
  });
});

describe('the default rule against adaptive Simpson on [−12, 12]', () => {
  const { one } = rulesOf();
  const smooth = THEORY_ACTIVATIONS.filter((a) => a !== 'elu');
  it.each(smooth)(
    `%s: E[φ(√q z)²] and E[φ'(√q z)²] within 1e-10 for q ≤ 1 (${DEFAULT_NODES_1D} nodes)`,
    (a) => {
      const p = phiOf(a, 0.2);
      for (const q of [0.1, 0.5, 1]) {
        const s = Math.sqrt(q);
        expect(
          Math.abs(gaussMean(one, q, (u) => p.f(u) ** 2) - simpsonMean((z) => p.f(s * z) ** 2)),
        ).toBeLessThan(1e-10);
        expect(
          Math.abs(gaussMean(one, q, (u) => p.d1(u) ** 2) - simpsonMean((z) => p.d1(s * z) ** 2)),
        ).toBeLessThan(1e-10);
      }
    },
  );

  it('tanh at q = 4 (a narrow φ′²) is within 5e-5; elu, whose φ″ jumps at 0, within 1e-2', () => {
    const t = phiOf('tanh');
    expect(
      Math.abs(gaussMean(one, 4, (u) => t.d1(u) ** 2) - simpsonMean((z) => t.d1(2 * z) ** 2)),
    ).toBeLessThan(5e-5);
    const e = phiOf('elu');
    for (const q of [0.1, 1, 4]) {
      const s = Math.sqrt(q);
      expect(
        Math.abs(gaussMean(one, q, (u) => e.d1(u) ** 2) - simpsonMean((z) => e.d1(s * z) ** 2)),
      ).toBeLessThan(1e-2);
    }
  });

  it('the correlated 2-D mean of tanh matches nested Simpson within 1e-7 (64 × 64 nodes)', () => {
    const { two } = rulesOf();
    const t = phiOf('tanh');
    for (const [q, c] of [
      [0.5, 0.3],
      [1.5, 0.8],
    ]) {
      const s = Math.sqrt(q);
      const r = Math.sqrt(1 - c * c);
      const ref = simpsonMean2(
        (z1, z2) => Math.tanh(s * z1) * Math.tanh(s * (c * z1 + r * z2)),
        (z1) => (-c * z1) / r,
        1e-10,
      );
      expect(Math.abs(gaussMean2(two, q, c, t.f, t.f) - ref)).toBeLessThan(1e-7);
    }
  });

  it('the 2-D mean of ReLU is within 5e-3 of the arc-cosine kernel (its kink is off the grid)', () => {
    const { two } = rulesOf();
    const r = phiOf('relu');
    for (const c of [0, 0.5, 0.9]) {
      const exact = (Math.sqrt(1 - c * c) + (Math.PI - Math.acos(c)) * c) / (2 * Math.PI);
      expect(Math.abs(gaussMean2(two, 1, c, r.f, r.f) - exact)).toBeLessThan(5e-3);
    }
  });
});

describe('meanField', () => {
  it('ReLU: χ₁ = σ_w²/2 exactly, critical at σ_w² = 2 for σ_b = 0 (He et al.)', () => {
    for (const sigmaW2 of [0.5, 1, 2, 3]) {
      expect(meanField({ activation: 'relu', sigmaW2, sigmaB2: 0 }).chi1).toBeCloseTo(sigmaW2 / 2, 14);
    }
    expect(meanField({ activation: 'relu', sigmaW2: 2, sigmaB2: 0 }).phase).toBe('critical');
    expect(meanField({ activation: 'relu', sigmaW2: 1.9, sigmaB2: 0 }).phase).toBe('ordered');
    expect(criticalSigmaW2({ activation: 'relu', sigmaB2: 0 })).toBeCloseTo(2, 10);
  });

  it('tanh at σ_b = 0: ordered below σ_w² = 1 (q* = 0, χ₁ = σ_w²), chaotic above, critical line at 1', () => {
    const below = meanField({ activation: 'tanh', sigmaW2: 0.9, sigmaB2: 0 });
    expect(below.qStar).toBe(0);
    expect(below.chi1).toBeCloseTo(0.9, 12);
    expect(below.cStar).toBe(1);
    const above = meanField({ activation: 'tanh', sigmaW2: 1.5, sigmaB2: 0 });
    expect(above.phase).toBe('chaotic');
    expect(above.qStar).toBeGreaterThan(0);
    // odd φ, no bias: the correlation map sends 0 to 0, and that is its stable point in chaos
    expect(Math.abs(above.cStar)).toBeLessThan(1e-9);
    expect(Math.abs(criticalSigmaW2({ activation: 'tanh', sigmaB2: 0 }) - 1)).toBeLessThan(1e-6);
  });

  it('tanh at σ_b² = 0.05: critical near σ_w² ≈ 1.76 (Schoenholz et al., Fig. 1), c* < 1 beyond', () => {
    const crit = criticalSigmaW2({ activation: 'tanh', sigmaB2: 0.05 });
    expect(crit).toBeGreaterThan(1.74);
    expect(crit).toBeLessThan(1.78);
    const ordered = meanField({ activation: 'tanh', sigmaW2: 1.5, sigmaB2: 0.05 });
    expect(ordered.phase).toBe('ordered');
    expect(ordered.xiC).toBeCloseTo(-1 / Math.log(ordered.chi1), 12);
    const chaotic = meanField({ activation: 'tanh', sigmaW2: 2.5, sigmaB2: 0.05 });
    expect(chaotic.phase).toBe('chaotic');
    expect(chaotic.cStar).toBeGreaterThan(0);
    expect(chaotic.cStar).toBeLessThan(1);
    // ξ_c diverges at the critical line from both sides
    const near = meanField({ activation: 'tanh', sigmaW2: crit * 0.999, sigmaB2: 0.05 });
    expect(near.xiC).toBeGreaterThan(10 * ordered.xiC);
  });

  it('q* is the fixed point of the length map, checked by iterating the map with Simpson', () => {
    for (const activation of ['tanh', 'sigmoid', 'softplus'] as const) {
      const p = phiOf(activation);
      const { qStar } = meanField({ activation, sigmaW2: 1.3, sigmaB2: 0.1 });
      const next = 1.3 * simpsonMean((z) => p.f(Math.sqrt(qStar) * z) ** 2) + 0.1;
      expect(Math.abs(next - qStar) / qStar).toBeLessThan(1e-10);
    }
  });

  it('the critical gain of relu and leaky_relu at σ_b = 0 is PyTorch’s calculate_gain; tanh’s is 1, not 5/3', () => {
    for (const slope of [0.01, 0.2, 0.5]) {
      const crit = criticalSigmaW2({ activation: 'leaky_relu', sigmaB2: 0, leakySlope: slope });
      expect(Math.sqrt(crit)).toBeCloseTo(recommendedGain('leaky_relu', slope), 10);
    }
    expect(Math.sqrt(criticalSigmaW2({ activation: 'relu', sigmaB2: 0 }))).toBeCloseTo(
      recommendedGain('relu', 0),
      10,
    );
    expect(Math.sqrt(criticalSigmaW2({ activation: 'tanh', sigmaB2: 0 }))).toBeCloseTo(1, 6);
    expect(meanField({ activation: 'tanh', sigmaW2: (5 / 3) ** 2, sigmaB2: 0 }).phase).toBe('chaotic');
  });

  it('a linear net with σ_w² > 1 and bias has no finite q*', () => {
    expect(meanField({ activation: 'linear', sigmaW2: 1.2, sigmaB2: 0.1 }).qStar).toBe(Infinity);
  });
});
