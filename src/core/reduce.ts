// Reductions over long Float64Arrays, unrolled four ways so the adds do not wait on each other
// (one accumulator is bound by floating-point add latency; four keep the pipeline full).

/** Σx². */
export function sumSquares(x: Float64Array): number {
  const n = x.length;
  const n4 = n - (n % 4);
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let i = 0; i < n4; i += 4) {
    s0 += x[i] * x[i];
    s1 += x[i + 1] * x[i + 1];
    s2 += x[i + 2] * x[i + 2];
    s3 += x[i + 3] * x[i + 3];
  }
  for (let i = n4; i < n; i++) s0 += x[i] * x[i];
  return s0 + s1 + s2 + s3;
}

export interface Moments {
  sum: number;
  sumSquares: number;
  /** Smallest and largest value (NaNs are skipped; ±Infinity count). */
  min: number;
  max: number;
}

/** Σx, Σx², min and max in one pass. */
export function moments(x: Float64Array): Moments {
  const n = x.length;
  const n2 = n - (n % 2);
  let a0 = 0;
  let a1 = 0;
  let q0 = 0;
  let q1 = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n2; i += 2) {
    const u = x[i];
    const v = x[i + 1];
    a0 += u;
    a1 += v;
    q0 += u * u;
    q1 += v * v;
    const lo = u < v ? u : v;
    const hi = u < v ? v : u;
    if (lo < min) min = lo;
    if (hi > max) max = hi;
  }
  if (n2 < n) {
    const u = x[n2];
    a0 += u;
    q0 += u * u;
    if (u < min) min = u;
    if (u > max) max = u;
  }
  return { sum: a0 + a1, sumSquares: q0 + q1, min, max };
}
