// The grid: each cell is the point computation (the warm-started correlation solve finds the same c*), and each
// row's critical line is where χ₁ crosses 1 along it.
import { describe, expect, it } from 'vitest';
import { theoryGrid } from '../../../src/core/theory/grid.ts';
import { meanField } from '../../../src/core/theory/mean-field.ts';

describe('theoryGrid', () => {
  it('matches the point computation cell by cell, c* included', () => {
    const sigmaW2 = [1.2, 1.8, 2.2, 2.6, 3, 3.4, 4];
    const sigmaB2 = [0, 0.05, 0.3];
    const grid = theoryGrid({ activation: 'tanh', sigmaW2, sigmaB2 });
    sigmaB2.forEach((b, r) => {
      sigmaW2.forEach((w, c) => {
        const cell = grid.cells[r][c];
        const point = meanField({ activation: 'tanh', sigmaW2: w, sigmaB2: b });
        expect(cell.phase).toBe(point.phase);
        expect(Math.abs(cell.cStar - point.cStar)).toBeLessThan(1e-12);
        expect(cell.chi1).toBe(point.chi1);
      });
    });
    expect(grid.cells.flat().filter((c) => c.phase === 'chaotic').length).toBeGreaterThan(10);
  });

  it('puts the critical line between the last ordered and the first chaotic cell of each row', () => {
    const sigmaW2 = Array.from({ length: 30 }, (_, i) => 0.5 + 0.1 * i);
    const grid = theoryGrid({ activation: 'tanh', sigmaW2, sigmaB2: [0.02, 0.1] });
    grid.cells.forEach((row, r) => {
      const first = row.findIndex((c) => c.phase === 'chaotic');
      expect(first).toBeGreaterThan(0);
      expect(grid.criticalSigmaW2[r]).toBeGreaterThan(sigmaW2[first - 1]);
      expect(grid.criticalSigmaW2[r]).toBeLessThan(sigmaW2[first]);
    });
  });
});
