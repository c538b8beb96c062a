// One-sided Jacobi singular values against matrices whose singular values are known by construction.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.ts';
import { singularValues } from '../../src/core/svd.ts';

/** Q (n, n) orthogonal: a product of Householder reflections from seeded normals. */
function orthogonal(n: number, rng: Rng): Float64Array {
  const Q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) Q[i * n + i] = 1;
  for (let r = 0; r < n; r++) {
    const v = Float64Array.from({ length: n }, () => rng.normal());
    const vv = v.reduce((a, x) => a + x * x, 0);
    // Q ← Q·(I − 2vvᵀ/vᵀv)
    for (let i = 0; i < n; i++) {
      let dot = 0;
      for (let k = 0; k < n; k++) dot += Q[i * n + k] * v[k];
      for (let k = 0; k < n; k++) Q[i * n + k] -= (2 * dot * v[k]) / vv;
    }
  }
  return Q;
}

/** U·diag(s)·Vᵀ restricted to (rows, cols). */
function withSingularValues(s: number[], rows: number, cols: number, rng: Rng): Float64Array {
  const U = orthogonal(rows, rng);
  const V = orthogonal(cols, rng);
  const A = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      let acc = 0;
      for (let k = 0; k < s.length; k++) acc += U[i * rows + k] * s[k] * V[j * cols + k];
      A[i * cols + j] = acc;
    }
  return A;
}

describe('singularValues', () => {
  it('recovers prescribed singular values of tall, wide and square matrices to 1e-12 relative', () => {
    const rng = new Rng(7);
    for (const [rows, cols] of [
      [12, 12],
      [20, 7],
      [6, 15],
    ]) {
      const k = Math.min(rows, cols);
      const s = Array.from({ length: k }, (_, i) => 10 ** (1 - (3 * i) / k)).sort((a, b) => b - a);
      const got = singularValues(withSingularValues(s, rows, cols, rng), rows, cols);
      expect(got.length).toBe(k);
      for (let i = 0; i < k; i++) expect(Math.abs(got[i] - s[i]) / s[0]).toBeLessThan(1e-12);
    }
  });

  it('gives the zero singular values of a rank-deficient matrix, and |x| for a vector', () => {
    const rng = new Rng(3);
    const got = singularValues(withSingularValues([3, 2, 0, 0], 5, 4, rng), 5, 4);
    expect(got[0]).toBeCloseTo(3, 12);
    expect(got[1]).toBeCloseTo(2, 12);
    expect(got[2]).toBeLessThan(1e-13);
    expect(Array.from(singularValues(Float64Array.of(3, 4), 1, 2))).toEqual([5]);
  });

  it('names a shape that does not match the data', () => {
    expect(() => singularValues(new Float64Array(5), 2, 3)).toThrow(
      'singularValues: A has 5 values, not 2×3',
    );
  });
});
