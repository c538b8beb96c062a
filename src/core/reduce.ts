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

/**
 * Σx, Σx², min and max in one pass, into `into` [sum, sumSquares, min, max] (NaNs skipped by min and max): two
 * interleaved sets of accumulators (even and odd indices, an odd tail to the even set, combined at the end) —
 * the reference of kernels/elementwise.ts's moments, whose two lanes are these two sets.
 */
export function moments(x: Float64Array, into: Float64Array): void {
  const n = x.length;
  const n2 = n - (n % 2);
  let a0 = 0;
  let a1 = 0;
  let q0 = 0;
  let q1 = 0;
  let min0 = Infinity;
  let min1 = Infinity;
  let max0 = -Infinity;
  let max1 = -Infinity;
  for (let i = 0; i < n2; i += 2) {
    const u = x[i];
    const v = x[i + 1];
    a0 += u;
    a1 += v;
    q0 += u * u;
    q1 += v * v;
    if (u < min0) min0 = u;
    if (v < min1) min1 = v;
    if (u > max0) max0 = u;
    if (v > max1) max1 = v;
  }
  if (n2 < n) {
    const u = x[n2];
    a0 += u;
    q0 += u * u;
    if (u < min0) min0 = u;
    if (u > max0) max0 = u;
  }
  into[0] = a0 + a1;
  into[1] = q0 + q1;
  into[2] = min1 < min0 ? min1 : min0;
  into[3] = max1 > max0 ? max1 : max0;
}

/**
 * One pass over a layer's (batch, units) buffers Z, A, dZ for its statistics, into `into` [Σd², Σz, Σz², Σa, Σa²,
 * count of a outside [lo, hi]], two elements at a time into two sets of sums (halving the add-latency chains; an
 * odd tail to the first set): the reference of kernels/elementwise.ts's layerSums.
 */
export function layerSums(
  Z: Float64Array,
  A: Float64Array,
  dZ: Float64Array,
  len: number,
  lo: number,
  hi: number,
  into: Float64Array,
): void {
  let d2 = 0,
    zs = 0,
    z2 = 0,
    as = 0,
    a2 = 0,
    sat = 0;
  let e2 = 0,
    ys = 0,
    y2 = 0,
    bs = 0,
    b2 = 0;
  const len2 = len - (len % 2);
  for (let i = 0; i < len2; i += 2) {
    const z = Z[i];
    const a = A[i];
    const d = dZ[i];
    const y = Z[i + 1];
    const b = A[i + 1];
    const e = dZ[i + 1];
    d2 += d * d;
    zs += z;
    z2 += z * z;
    as += a;
    a2 += a * a;
    e2 += e * e;
    ys += y;
    y2 += y * y;
    bs += b;
    b2 += b * b;
    sat += (a < lo || a > hi ? 1 : 0) + (b < lo || b > hi ? 1 : 0);
  }
  if (len2 < len) {
    const z = Z[len2];
    const a = A[len2];
    d2 += dZ[len2] * dZ[len2];
    zs += z;
    z2 += z * z;
    as += a;
    a2 += a * a;
    if (a < lo || a > hi) sat++;
  }
  into[0] = d2 + e2;
  into[1] = zs + ys;
  into[2] = z2 + y2;
  into[3] = as + bs;
  into[4] = a2 + b2;
  into[5] = sat;
}
