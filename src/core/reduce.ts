// Reductions over long Float64Arrays, unrolled four ways so the adds do not wait on each other
// (one accumulator is bound by floating-point add latency; four keep the pipeline full).

/** Σx² of x[0 … len) (all of x by default). */
export function sumSquares(x: Float64Array, len = x.length): number {
  const n = len;
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

/**
 * Σx² of x[0 … len) in sixteen sets — x[16k + j] into set j, a tail of < 16 values into set 0 — added in set order at
 * the end: for a layer's deltas (thousands of values on a recorded step), where sumSquares' four sets still leave
 * the kernel waiting on add latency (eight vector chains in kernels/elementwise.ts, two in sumSquares).
 */
export function sumSquaresWide(x: Float64Array, len = x.length): number {
  const n16 = len - (len % 16);
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let s4 = 0;
  let s5 = 0;
  let s6 = 0;
  let s7 = 0;
  let s8 = 0;
  let s9 = 0;
  let s10 = 0;
  let s11 = 0;
  let s12 = 0;
  let s13 = 0;
  let s14 = 0;
  let s15 = 0;
  for (let i = 0; i < n16; i += 16) {
    s0 += x[i] * x[i];
    s1 += x[i + 1] * x[i + 1];
    s2 += x[i + 2] * x[i + 2];
    s3 += x[i + 3] * x[i + 3];
    s4 += x[i + 4] * x[i + 4];
    s5 += x[i + 5] * x[i + 5];
    s6 += x[i + 6] * x[i + 6];
    s7 += x[i + 7] * x[i + 7];
    s8 += x[i + 8] * x[i + 8];
    s9 += x[i + 9] * x[i + 9];
    s10 += x[i + 10] * x[i + 10];
    s11 += x[i + 11] * x[i + 11];
    s12 += x[i + 12] * x[i + 12];
    s13 += x[i + 13] * x[i + 13];
    s14 += x[i + 14] * x[i + 14];
    s15 += x[i + 15] * x[i + 15];
  }
  for (let i = n16; i < len; i++) s0 += x[i] * x[i];
  return s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7 + s8 + s9 + s10 + s11 + s12 + s13 + s14 + s15;
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

/** Σx of x[0 … len) in sumSquares' four sets and order. */
export function sumValues(x: Float64Array, len = x.length): number {
  const n4 = len - (len % 4);
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let i = 0; i < n4; i += 4) {
    s0 += x[i];
    s1 += x[i + 1];
    s2 += x[i + 2];
    s3 += x[i + 3];
  }
  for (let i = n4; i < len; i++) s0 += x[i];
  return s0 + s1 + s2 + s3;
}

/**
 * A layer's (batch, units) buffers Z, A, dZ summed for its statistics, into `into` [Σd², Σz, Σz², Σa, Σa², count of
 * a outside [lo, hi]]: Σd² by sumSquaresWide (sixteen sets), the rest by forwardSums (four sets each: four
 * add-latency chains instead of one). The reference of kernels/elementwise.ts's layerSums.
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
  into[0] = sumSquaresWide(dZ, len);
  forwardSums(Z, A, len, lo, hi, into, 1);
}

/** Values forwardSums writes per layer. */
export const FORWARD_SUMS = 5;

/**
 * The forward half of layerSums: into[at … at + 5) = [Σz, Σz², Σa, Σa², count of a outside [lo, hi]] (sumValues
 * and sumSquares) — what the kernels' activationForwardSums takes while computing A.
 */
export function forwardSums(
  Z: Float64Array,
  A: Float64Array,
  len: number,
  lo: number,
  hi: number,
  into: Float64Array,
  at: number,
): void {
  into[at] = sumValues(Z, len);
  into[at + 1] = sumSquares(Z, len);
  into[at + 2] = sumValues(A, len);
  into[at + 3] = sumSquares(A, len);
  let sat = 0;
  for (let i = 0; i < len; i++) if (A[i] < lo || A[i] > hi) sat++;
  into[at + 4] = sat;
}
