// Cache-blocked, 4×4 register-tiled float64 matrix products: the three a dense layer needs.
// All matrices are row-major Float64Arrays; every kernel ACCUMULATES into C (C += …), callers zero
// or pre-fill C explicitly. Sixteen scalar accumulators keep a 4×4 tile of C in registers while the
// inner loop streams 4 rows/columns of each operand; blocking over k keeps those streams in L1.

/** Depth of a k-block: 4 rows × KC doubles of each operand stay in L1 (2 × 8 KB). */
const KC = 256;
/** Rows of the B operand per block, so a B block (NC × KC doubles, 128 KB) stays in L2. */
const NC = 64;

/**
 * C(m, n) += A(m, k) · B(n, k)ᵀ — the forward pass Z = X·Wᵀ with X (batch, in), W (out, in).
 * Both operands are read along k contiguously.
 */
export function gemmABt(A: Float64Array, B: Float64Array, C: Float64Array, m: number, n: number, k: number): void {
  const m4 = m - (m % 4);
  const n4 = n - (n % 4);
  for (let j0 = 0; j0 < n; j0 += NC) {
    const jEnd = Math.min(j0 + NC, n);
    const jEnd4 = Math.min(jEnd, n4);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const pEnd = Math.min(p0 + KC, k);
      for (let i = 0; i < m4; i += 4) {
        const a0 = i * k;
        const a1 = a0 + k;
        const a2 = a1 + k;
        const a3 = a2 + k;
        let j = j0;
        for (; j < jEnd4; j += 4) {
          const b0 = j * k;
          const b1 = b0 + k;
          const b2 = b1 + k;
          const b3 = b2 + k;
          let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
          let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
          for (let p = p0; p < pEnd; p++) {
            const x0 = A[a0 + p], x1 = A[a1 + p], x2 = A[a2 + p], x3 = A[a3 + p];
            const w0 = B[b0 + p], w1 = B[b1 + p], w2 = B[b2 + p], w3 = B[b3 + p];
            c00 += x0 * w0; c01 += x0 * w1; c02 += x0 * w2; c03 += x0 * w3;
            c10 += x1 * w0; c11 += x1 * w1; c12 += x1 * w2; c13 += x1 * w3;
            c20 += x2 * w0; c21 += x2 * w1; c22 += x2 * w2; c23 += x2 * w3;
            c30 += x3 * w0; c31 += x3 * w1; c32 += x3 * w2; c33 += x3 * w3;
          }
          let c = i * n + j;
          C[c] += c00; C[c + 1] += c01; C[c + 2] += c02; C[c + 3] += c03; c += n;
          C[c] += c10; C[c + 1] += c11; C[c + 2] += c12; C[c + 3] += c13; c += n;
          C[c] += c20; C[c + 1] += c21; C[c + 2] += c22; C[c + 3] += c23; c += n;
          C[c] += c30; C[c + 1] += c31; C[c + 2] += c32; C[c + 3] += c33;
        }
        for (; j < jEnd; j++) {
          const b0 = j * k;
          let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
          for (let p = p0; p < pEnd; p++) {
            const w = B[b0 + p];
            c0 += A[a0 + p] * w; c1 += A[a1 + p] * w; c2 += A[a2 + p] * w; c3 += A[a3 + p] * w;
          }
          C[i * n + j] += c0;
          C[(i + 1) * n + j] += c1;
          C[(i + 2) * n + j] += c2;
          C[(i + 3) * n + j] += c3;
        }
      }
      for (let i = m4; i < m; i++) {
        const a0 = i * k;
        for (let j = j0; j < jEnd; j++) {
          const b0 = j * k;
          let s = 0;
          for (let p = p0; p < pEnd; p++) s += A[a0 + p] * B[b0 + p];
          C[i * n + j] += s;
        }
      }
    }
  }
}

/**
 * C(m, n) += A(m, k) · B(k, n) — the backward pass dX = dZ·W with dZ (batch, out), W (out, in).
 * B is read along n contiguously; A is read down 4 rows at a time.
 */
export function gemmAB(A: Float64Array, B: Float64Array, C: Float64Array, m: number, n: number, k: number): void {
  const m4 = m - (m % 4);
  const n4 = n - (n % 4);
  for (let p0 = 0; p0 < k; p0 += KC) {
    const pEnd = Math.min(p0 + KC, k);
    for (let i = 0; i < m4; i += 4) {
      const a0 = i * k;
      const a1 = a0 + k;
      const a2 = a1 + k;
      const a3 = a2 + k;
      let j = 0;
      for (; j < n4; j += 4) {
        let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (let p = p0; p < pEnd; p++) {
          const x0 = A[a0 + p], x1 = A[a1 + p], x2 = A[a2 + p], x3 = A[a3 + p];
          const b = p * n + j;
          const w0 = B[b], w1 = B[b + 1], w2 = B[b + 2], w3 = B[b + 3];
          c00 += x0 * w0; c01 += x0 * w1; c02 += x0 * w2; c03 += x0 * w3;
          c10 += x1 * w0; c11 += x1 * w1; c12 += x1 * w2; c13 += x1 * w3;
          c20 += x2 * w0; c21 += x2 * w1; c22 += x2 * w2; c23 += x2 * w3;
          c30 += x3 * w0; c31 += x3 * w1; c32 += x3 * w2; c33 += x3 * w3;
        }
        let c = i * n + j;
        C[c] += c00; C[c + 1] += c01; C[c + 2] += c02; C[c + 3] += c03; c += n;
        C[c] += c10; C[c + 1] += c11; C[c + 2] += c12; C[c + 3] += c13; c += n;
        C[c] += c20; C[c + 1] += c21; C[c + 2] += c22; C[c + 3] += c23; c += n;
        C[c] += c30; C[c + 1] += c31; C[c + 2] += c32; C[c + 3] += c33;
      }
      for (; j < n; j++) {
        let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
        for (let p = p0; p < pEnd; p++) {
          const w = B[p * n + j];
          c0 += A[a0 + p] * w; c1 += A[a1 + p] * w; c2 += A[a2 + p] * w; c3 += A[a3 + p] * w;
        }
        C[i * n + j] += c0;
        C[(i + 1) * n + j] += c1;
        C[(i + 2) * n + j] += c2;
        C[(i + 3) * n + j] += c3;
      }
    }
    for (let i = m4; i < m; i++) {
      for (let p = p0; p < pEnd; p++) {
        const x = A[i * k + p];
        const b = p * n;
        const c = i * n;
        for (let j = 0; j < n; j++) C[c + j] += x * B[b + j];
      }
    }
  }
}

/**
 * C(m, n) += A(k, m)ᵀ · B(k, n) — the weight gradient dW = dZᵀ·X with dZ (batch, out), X (batch, in).
 * Both operands are read along their rows (4 contiguous values per row) while p walks the batch.
 */
export function gemmAtB(A: Float64Array, B: Float64Array, C: Float64Array, m: number, n: number, k: number): void {
  const m4 = m - (m % 4);
  const n4 = n - (n % 4);
  for (let j0 = 0; j0 < n; j0 += KC) {
    const jEnd = Math.min(j0 + KC, n);
    const jEnd4 = Math.min(jEnd, n4);
    for (let i = 0; i < m4; i += 4) {
      let j = j0;
      for (; j < jEnd4; j += 4) {
        let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (let p = 0; p < k; p++) {
          const a = p * m + i;
          const b = p * n + j;
          const x0 = A[a], x1 = A[a + 1], x2 = A[a + 2], x3 = A[a + 3];
          const w0 = B[b], w1 = B[b + 1], w2 = B[b + 2], w3 = B[b + 3];
          c00 += x0 * w0; c01 += x0 * w1; c02 += x0 * w2; c03 += x0 * w3;
          c10 += x1 * w0; c11 += x1 * w1; c12 += x1 * w2; c13 += x1 * w3;
          c20 += x2 * w0; c21 += x2 * w1; c22 += x2 * w2; c23 += x2 * w3;
          c30 += x3 * w0; c31 += x3 * w1; c32 += x3 * w2; c33 += x3 * w3;
        }
        let c = i * n + j;
        C[c] += c00; C[c + 1] += c01; C[c + 2] += c02; C[c + 3] += c03; c += n;
        C[c] += c10; C[c + 1] += c11; C[c + 2] += c12; C[c + 3] += c13; c += n;
        C[c] += c20; C[c + 1] += c21; C[c + 2] += c22; C[c + 3] += c23; c += n;
        C[c] += c30; C[c + 1] += c31; C[c + 2] += c32; C[c + 3] += c33;
      }
      for (; j < jEnd; j++) {
        let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
        for (let p = 0; p < k; p++) {
          const a = p * m + i;
          const w = B[p * n + j];
          c0 += A[a] * w; c1 += A[a + 1] * w; c2 += A[a + 2] * w; c3 += A[a + 3] * w;
        }
        C[i * n + j] += c0;
        C[(i + 1) * n + j] += c1;
        C[(i + 2) * n + j] += c2;
        C[(i + 3) * n + j] += c3;
      }
    }
    for (let i = m4; i < m; i++) {
      for (let j = j0; j < jEnd; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += A[p * m + i] * B[p * n + j];
        C[i * n + j] += s;
      }
    }
  }
}
