// The mean-field quantities over a grid of (σ_w², σ_b²) for one activation, with the critical line χ₁ = 1.
import { criticalSigmaW2, type MeanField, meanField, type Rules, rulesOf } from './mean-field.ts';
import type { TheoryActivation } from './phi.ts';

export interface TheoryGridSpec {
  activation: TheoryActivation;
  /** Columns of the grid. */
  sigmaW2: number[];
  /** Rows of the grid. */
  sigmaB2: number[];
  leakySlope?: number;
  eluAlpha?: number;
}

export interface TheoryGrid {
  /** (rows = sigmaB2.length, columns = sigmaW2.length), row-major: cells[r][c] is (sigmaW2[c], sigmaB2[r]). */
  cells: MeanField[][];
  /** Per row: the σ_w² where χ₁ = 1 at that σ_b². */
  criticalSigmaW2: number[];
}

export function theoryGrid(spec: TheoryGridSpec, rules: Rules = rulesOf()): TheoryGrid {
  const { activation, leakySlope, eluAlpha } = spec;
  return {
    cells: spec.sigmaB2.map((sigmaB2) => {
      // along a row the previous cell's c* warm-starts the correlation solve (a few Newton steps instead of ~8)
      let cStart = 0;
      return spec.sigmaW2.map((sigmaW2) => {
        const m = meanField({ activation, sigmaW2, sigmaB2, leakySlope, eluAlpha }, rules, cStart);
        cStart = m.cStar < 1 ? Math.max(0, m.cStar - 0.05) : 0;
        return m;
      });
    }),
    criticalSigmaW2: spec.sigmaB2.map((sigmaB2) =>
      criticalSigmaW2({ activation, sigmaB2, leakySlope, eluAlpha }, rules),
    ),
  };
}
