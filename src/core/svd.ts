// Singular values by one-sided (Hestenes) Jacobi: rotate pairs of columns until all are orthogonal; the
// singular values are then the column norms. Simple, and accurate to a few ulps relative to the largest.

/**
 * Singular values of A (rows, cols) row-major, in descending order (min(rows, cols) of them). A is not modified.
 * Works on the columns of A, or of Aᵀ when cols > rows, so there are never more columns than rows.
 */
export function singularValues(A: Float64Array, rows: number, cols: number): Float64Array {
  if (A.length !== rows * cols)
    throw new Error(`singularValues: A has ${A.length} values, not ${rows}×${cols}`);
  const wide = cols > rows;
  const m = wide ? cols : rows; // length of each working column
  const n = wide ? rows : cols; // number of working columns
  // G holds the n working columns contiguously: G[j*m + i] is column j, row i.
  const G = new Float64Array(m * n);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      if (wide)
        G[i * m + j] = A[i * cols + j]; // column i of Aᵀ is row i of A
      else G[j * m + i] = A[i * cols + j];
    }
  const norms = new Float64Array(n);
  for (let sweep = 0; sweep < 80; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        const op = p * m;
        const oq = q * m;
        for (let i = 0; i < m; i++) {
          const x = G[op + i];
          const y = G[oq + i];
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (gamma === 0 || Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        // the rotation that zeroes the (p, q) entry of the 2×2 Gram matrix [[α, γ], [γ, β]]
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let i = 0; i < m; i++) {
          const x = G[op + i];
          const y = G[oq + i];
          G[op + i] = c * x - s * y;
          G[oq + i] = s * x + c * y;
        }
      }
    }
    if (!rotated) break;
  }
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < m; i++) s += G[j * m + i] ** 2;
    norms[j] = Math.sqrt(s);
  }
  return norms.sort().reverse();
}
