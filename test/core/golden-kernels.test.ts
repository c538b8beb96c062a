// The tiled JS matrix kernels (matmul.ts) and the WASM SIMD ones against a naive triple loop, on odd shapes that
// cut through the 4×4 tiles and the k/row blocks (KC = 256, NC = 64, MC = 64), accumulating into a filled C.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.ts';
import { createWasmKernels, jsKernels, type Kernels } from '../../src/core/wasm/kernels.ts';

type Form = 'gemmABt' | 'gemmAB' | 'gemmAtB';

/**
 * C(m, n) += op(A)·op(B), one dot product per element in index order: ABt reads A (m, k), B (n, k); AB reads
 * A (m, k), B (k, n); AtB reads A (k, m), B (k, n).
 */
function naive(
  form: Form,
  A: Float64Array,
  B: Float64Array,
  C: Float64Array,
  m: number,
  n: number,
  k: number,
) {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = C[i * n + j];
      for (let p = 0; p < k; p++) {
        const a = form === 'gemmAtB' ? A[p * m + i] : A[i * k + p];
        const b = form === 'gemmABt' ? B[j * k + p] : B[p * n + j];
        s += a * b;
      }
      C[i * n + j] = s;
    }
  }
}

function runKernel(
  kernels: Kernels,
  form: Form,
  A: Float64Array,
  B: Float64Array,
  C0: Float64Array,
  m: number,
  n: number,
  k: number,
) {
  const place = (src: Float64Array) => {
    const dst = kernels.f64(src.length);
    dst.set(src);
    return dst;
  };
  const C = place(C0);
  kernels[form](place(A), place(B), C, m, n, k);
  return Float64Array.from(C);
}

// m, n, k: primes and block edges ± 1, vectors, a single row or column, a deep k.
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [1, 7, 3],
  [3, 5, 7],
  [13, 1, 17],
  [2, 31, 1],
  [5, 3, 257],
  [17, 65, 255],
  [33, 63, 129],
  [67, 131, 257],
  [129, 3, 513],
  [7, 259, 11],
];
const FORMS: Form[] = ['gemmABt', 'gemmAB', 'gemmAtB'];

describe('matrix kernels equal a naive triple loop', () => {
  it.each(SHAPES.flatMap(([m, n, k]) => FORMS.map((form) => [form, m, n, k] as const)))(
    '%s on %i×%i×%i: JS tiled and both WASM builds within 1e-12 of Σ|a||b|',
    (form, m, n, k) => {
      const rng = new Rng(m * 7919 + n * 104729 + k, 9);
      const fill = (len: number) => Float64Array.from({ length: len }, () => rng.uniformIn(-1, 1));
      const A = fill(m * k);
      const B = fill(k * n);
      const C0 = fill(m * n);
      const want = Float64Array.from(C0);
      naive(form, A, B, want, m, n, k);
      // Rounding error of any summation order is bounded by a multiple of |C₀| + Σ|a||b|.
      const scale = C0.map(Math.abs);
      naive(form, A.map(Math.abs), B.map(Math.abs), scale, m, n, k);
      const doubles = 2 * (m * k + k * n + m * n) + 8;
      for (const [name, kernels] of [
        ['js', jsKernels],
        ['wasm simd', createWasmKernels(doubles, 'simd')],
        ['wasm relaxed', createWasmKernels(doubles, 'relaxed')],
      ] as const) {
        const got = runKernel(kernels, form, A, B, C0, m, n, k);
        let worst = 0;
        for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / scale[i]);
        expect(worst, `${name} ${form} ${m}×${n}×${k}`).toBeLessThan(1e-12);
      }
    },
  );
});
