// Elementary functions of the activations and losses (exp, expm1, log1p, tanh, sigmoid, softplus) as plain
// sequences of IEEE-754 operations: the reference of the WebAssembly SIMD kernels in kernels/elementwise.ts,
// which run the same operations lane by lane and so give the same bits. Accurate to a few ulp of Math.*
// (test/core/elementary.test.ts measures it on millions of points); fdlibm's algorithms, without branches
// that a vector could not take.

const LN2_HI = 0.6931471803691238;
const LN2_LO = 1.9082149292705877e-10;
const INV_LN2 = Math.LOG2E;
/** 1.5·2⁵²: t + ROUND − ROUND rounds t to the nearest integer, ties to even, for |t| < 2⁵¹. */
const ROUND = 6755399441055744;
const P1 = 0.16666666666666602;
const P2 = -0.0027777777777015593;
const P3 = 6.613756321437934e-5;
const P4 = -1.6533902205465252e-6;
const P5 = 4.1381367970572385e-8;
const LP1 = 0.6666666666666735;
const LP2 = 0.3999999999940942;
const LP3 = 0.2857142874366239;
const LP4 = 0.22222198432149784;
const LP5 = 0.1818357216161805;
const LP6 = 0.15313837699209373;
const LP7 = 0.14798198605116586;
/** √2/2 − 1 and √2 − 1: log1p's argument is reduced only outside this interval. */
const LOG1P_LOW = -0.2928932188134524;
const LOG1P_HIGH = 0.41421356237309503;
/** |x| below which tanh(x) rounds to x (2⁻²⁸). */
const TANH_TINY = 3.725290298461914e-9;
/** tanh(x) rounds to ±1 for |x| ≥ 19.06; beyond 20 the argument of expm1 is clamped. */
const TANH_CLAMP = 20;
/** Below this |x|, tanh is Cephes' rational x + x·z·P(z)/Q(z), z = x² (expm1's reduction costs ulps there). */
const TANH_RATIONAL = 0.625;
const TP0 = -0.9643991794250523;
const TP1 = -99.28772310019185;
const TP2 = -1614.6876844170845;
const TQ0 = 112.81167849163293;
const TQ1 = 2235.4883906010045;
const TQ2 = 4844.063053251255;

/** 2^k for k ∈ [−1074, 1023], exact (built by doubling from 2⁻¹⁰⁷⁴; index k + 1074). */
const POW2 = (() => {
  const table = new Float64Array(2098);
  table[0] = Number.MIN_VALUE;
  for (let i = 1; i < table.length; i++) table[i] = table[i - 1] * 2;
  return table;
})();

/** 2^k for an integer-valued k ∈ [−1022, 1023] (NaN gives 1, as the kernels' saturating conversion gives 2⁰). */
function pow2(k: number): number {
  return POW2[(k | 0) + 1074];
}

/** e^x for every x: x = k·ln2 + r with |r| ≤ ln2/2, fdlibm's rational approximation of e^r, then 2^k in two halves. */
export function exp(x: number): number {
  const xc = Math.min(Math.max(x, -746), 710);
  const k = xc * INV_LN2 + ROUND - ROUND;
  const hi = xc - k * LN2_HI;
  const lo = k * LN2_LO;
  const r = hi - lo;
  const rr = r * r;
  const c = r - rr * (P1 + rr * (P2 + rr * (P3 + rr * (P4 + rr * P5))));
  const y = 1 - (lo - (r * c) / (2 - c) - hi);
  // 2^k = 2^k1 · 2^k2 with k1 = ⌊k/2⌋, so both halves stay normal for k ∈ [−1077, 1025].
  const k1 = Math.floor(k * 0.5);
  return y * pow2(k1) * pow2(k - k1);
}

/**
 * e^x − 1 for x ≤ 0 (and NaN): x = k·ln2 + r, e^r − 1 by its Taylor series to r¹³ written as r·(1 + r·(…)) so
 * ±0 and subnormals come back unchanged, then 2^k·p + (2^k − 1). Positive x give wrong values.
 */
export function expm1Negative(x: number): number {
  const xc = Math.max(x, -40);
  const k = xc * INV_LN2 + ROUND - ROUND;
  const r = xc - k * LN2_HI - k * LN2_LO;
  // q = Σ r^i/(i + 2)! for i ≤ 11 by Estrin's scheme (pairs, then r², r⁴, r⁸): a dependency chain of 4
  // multiply-adds instead of Horner's 12, so a vector of these overlaps with the next one.
  const r2 = r * r;
  const r4 = r2 * r2;
  const q01 = 0.5 + r * 0.16666666666666666 + r2 * (0.041666666666666664 + r * 0.008333333333333333);
  const q23 =
    0.001388888888888889 +
    r * 0.0001984126984126984 +
    r2 * (0.0000248015873015873 + r * 0.0000027557319223985893);
  const q45 =
    2.755731922398589e-7 + r * 2.505210838544172e-8 + r2 * (2.08767569878681e-9 + r * 1.6059043836821613e-10);
  const q = q01 + r4 * (q23 + r4 * q45);
  const p = r * (1 + r * q);
  if (k === 0) return p;
  const s = pow2(k);
  return s * p + (s - 1);
}

/** k·ln2 + log(1 + f) + c for f within [√2/2 − 1, √2 − 1] (fdlibm's s = f/(2 + f) series). */
function log1pCore(f: number, k: number, c: number): number {
  const hfsq = 0.5 * f * f;
  const s = f / (2 + f);
  const z = s * s;
  const R = z * (LP1 + z * (LP2 + z * (LP3 + z * (LP4 + z * (LP5 + z * (LP6 + z * LP7))))));
  return k * LN2_HI - (hfsq - (s * (hfsq + R) + (k * LN2_LO + c)) - f);
}

/** log1p's reduction reads and writes a double's high word (exponent and top of the mantissa): scratch, not state. */
const word = new Float64Array(1);
const words = new Uint32Array(word.buffer);
/** Index of the high 32 bits in `words` (1 on little-endian machines). */
const HIGH = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
/** The high 20 mantissa bits of √2. */
const SQRT2_MANTISSA_HIGH = 0x6a09e;

/** log(1 + x): fdlibm's log1p, x = 2^k·(1 + f) − 1 with a correction term c for the rounding of 1 + x. */
export function log1p(x: number): number {
  if (x === 0) return x; // ±0 (the series would turn −0 into +0)
  if (x > LOG1P_LOW && x < LOG1P_HIGH) return log1pCore(x, 0, 0);
  if (x === Infinity) return Infinity;
  if (x === -1) return -Infinity;
  if (!(x > -1)) return Number.NaN;
  const u = 1 + x;
  word[0] = u;
  const hu = words[HIGH];
  const k0 = (hu >>> 20) - 1023;
  const mantissaHigh = hu & 0xfffff;
  // u = 2^k0 · m with m in [1, 2); past √2 take m/2 and k0 + 1, so that f = m − 1 is within [√2/2 − 1, √2 − 1].
  const high = mantissaHigh >= SQRT2_MANTISSA_HIGH;
  words[HIGH] = mantissaHigh | (high ? 0x3fe00000 : 0x3ff00000);
  const m = word[0];
  const c = (k0 > 0 ? 1 - (u - x) : x - (u - 1)) / u;
  return log1pCore(m - 1, k0 + (high ? 1 : 0), c);
}

/**
 * tanh x: x itself below 2⁻²⁸, Cephes' rational approximation below 0.625, else −t/(t + 2) with
 * t = e^(−2|x|) − 1 and the sign of x restored.
 */
export function tanh(x: number): number {
  const ax = Math.abs(x);
  if (ax < TANH_TINY) return x;
  if (ax < TANH_RATIONAL) {
    const z = x * x;
    return x + (x * z * (z * (z * TP0 + TP1) + TP2)) / (z * (z * (z + TQ0) + TQ1) + TQ2);
  }
  const t = expm1Negative(-2 * Math.min(ax, TANH_CLAMP));
  const y = -t / (t + 2);
  return x < 0 ? -y : y;
}

/** σ(z) = 1/(1 + e) for z ≥ 0, e/(1 + e) below, with e = e^(−|z|) (never overflows). */
export function sigmoid(z: number): number {
  const e = exp(-Math.abs(z));
  const d = 1 + e;
  return z >= 0 ? 1 / d : e / d;
}

/** log(1 + e^z) = max(z, 0) + log1p(e^(−|z|)): finite for every finite z. */
export function softplus(z: number): number {
  return Math.max(z, 0) + log1p(exp(-Math.abs(z)));
}

/** α(e^z − 1) for z ≤ 0, z above: the ELU activation. */
export function elu(z: number, alpha: number): number {
  return z > 0 ? z : alpha * expm1Negative(Math.min(z, 0));
}
