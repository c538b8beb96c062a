// WebAssembly SIMD (f64x2) element-wise kernels in AssemblyScript: exp, expm1, log1p, tanh, sigmoid, softplus
// and the activations' forward and backward passes, two values per instruction. Pointers are byte offsets into
// this module's memory (the arena of src/core/wasm/kernels.ts); lengths count values.
//
// Every function is the SAME sequence of IEEE-754 operations (+ − × ÷ √, min/max, compares, exponent bit
// arithmetic) as its plain TypeScript reference in src/core/elementary.ts, lane by lane, with no fused
// multiply-add in either build, so the two agree bit for bit; the reference is tested against Math.* in ulps.
// Both builds of scripts/build-wasm.ts give the same bits here (relaxed SIMD is only used by gemm.ts).

// ---- constants (fdlibm's, as in src/core/elementary.ts) ----
const LN2_HI: f64 = 0.6931471803691238;
const LN2_LO: f64 = 1.9082149292705877e-10;
const INV_LN2: f64 = 1.4426950408889634;
/** 1.5·2⁵²: t + ROUND − ROUND rounds t to the nearest integer, ties to even, for |t| < 2⁵¹. */
const ROUND: f64 = 6755399441055744.0;
const P1: f64 = 0.16666666666666602;
const P2: f64 = -0.0027777777777015593;
const P3: f64 = 6.613756321437934e-05;
const P4: f64 = -1.6533902205465252e-06;
const P5: f64 = 4.1381367970572385e-08;
const LP1: f64 = 0.6666666666666735;
const LP2: f64 = 0.3999999999940942;
const LP3: f64 = 0.2857142874366239;
const LP4: f64 = 0.22222198432149784;
const LP5: f64 = 0.1818357216161805;
const LP6: f64 = 0.15313837699209373;
const LP7: f64 = 0.14798198605116586;
/** √2/2 − 1 and √2 − 1: log1p's argument is reduced only outside this interval. */
const LOG1P_LOW: f64 = -0.2928932188134524;
const LOG1P_HIGH: f64 = 0.41421356237309503;
/** |x| below which tanh(x) rounds to x. */
const TANH_TINY: f64 = 3.725290298461914e-09; // 2⁻²⁸
/** tanh(x) rounds to ±1 for |x| ≥ 19.06; beyond 20 the argument of expm1 is clamped. */
const TANH_CLAMP: f64 = 20.0;
/** Below this |x|, tanh is Cephes' rational x + x·z·P(z)/Q(z), z = x² (expm1's reduction costs ulps there). */
const TANH_RATIONAL: f64 = 0.625;
const TP0: f64 = -0.9643991794250523;
const TP1: f64 = -99.28772310019185;
const TP2: f64 = -1614.6876844170845;
const TQ0: f64 = 112.81167849163293;
const TQ1: f64 = 2235.4883906010045;
const TQ2: f64 = 4844.063053251255;

// ---- f64x2 elementary functions ----

// Every constant lives in memory, loaded by load64_splat where it is used: a v128.const would be folded in by the
// optimiser and rematerialised by V8 at each use (a 64-bit move, a transfer and a shuffle), which for the ~40
// constants of tanh doubles the instructions per value; a splatting load is one instruction from L1.
const K_0_5 = memory.data<f64>([0.5]);
const K_0_16666666666666666 = memory.data<f64>([0.16666666666666666]);
const K_0_041666666666666664 = memory.data<f64>([0.041666666666666664]);
const K_0_008333333333333333 = memory.data<f64>([0.008333333333333333]);
const K_0_001388888888888889 = memory.data<f64>([0.001388888888888889]);
const K_0_0001984126984126984 = memory.data<f64>([0.0001984126984126984]);
const K_2_48015873015873eM05 = memory.data<f64>([0.0000248015873015873]);
const K_2_7557319223985893eM06 = memory.data<f64>([0.0000027557319223985893]);
const K_2_755731922398589eM07 = memory.data<f64>([2.755731922398589e-7]);
const K_2_505210838544172eM08 = memory.data<f64>([2.505210838544172e-8]);
const K_2_08767569878681eM09 = memory.data<f64>([2.08767569878681e-9]);
const K_1_6059043836821613eM10 = memory.data<f64>([1.6059043836821613e-10]);
const K_ROUND = memory.data<f64>([ROUND]);
const K_MINUS_746_0 = memory.data<f64>([-746.0]);
const K_710_0 = memory.data<f64>([710.0]);
const K_INV_LN2 = memory.data<f64>([INV_LN2]);
const K_LN2_HI = memory.data<f64>([LN2_HI]);
const K_LN2_LO = memory.data<f64>([LN2_LO]);
const K_P1 = memory.data<f64>([P1]);
const K_P2 = memory.data<f64>([P2]);
const K_P3 = memory.data<f64>([P3]);
const K_P4 = memory.data<f64>([P4]);
const K_P5 = memory.data<f64>([P5]);
const K_1_0 = memory.data<f64>([1.0]);
const K_2_0 = memory.data<f64>([2.0]);
const K_MINUS_40_0 = memory.data<f64>([-40.0]);
const K_0_0 = memory.data<f64>([0.0]);
const K_LOG1P_LOW = memory.data<f64>([LOG1P_LOW]);
const K_LOG1P_HIGH = memory.data<f64>([LOG1P_HIGH]);
const K_INFINITY = memory.data<f64>([Infinity]);
const K_MINUS_INFINITY = memory.data<f64>([-Infinity]);
const K_MINUS_1_0 = memory.data<f64>([-1.0]);
const K_NAN = memory.data<f64>([NaN]);
const K_LP7 = memory.data<f64>([LP7]);
const K_LP6 = memory.data<f64>([LP6]);
const K_LP5 = memory.data<f64>([LP5]);
const K_LP4 = memory.data<f64>([LP4]);
const K_LP3 = memory.data<f64>([LP3]);
const K_LP2 = memory.data<f64>([LP2]);
const K_LP1 = memory.data<f64>([LP1]);
const K_TANH_RATIONAL = memory.data<f64>([TANH_RATIONAL]);
const K_MINUS_2_0 = memory.data<f64>([-2.0]);
const K_TANH_CLAMP = memory.data<f64>([TANH_CLAMP]);
const K_TP0 = memory.data<f64>([TP0]);
const K_TP1 = memory.data<f64>([TP1]);
const K_TP2 = memory.data<f64>([TP2]);
const K_TQ0 = memory.data<f64>([TQ0]);
const K_TQ1 = memory.data<f64>([TQ1]);
const K_TQ2 = memory.data<f64>([TQ2]);
const K_TANH_TINY = memory.data<f64>([TANH_TINY]);

/** The constant at pool address `at`, in both lanes. */
// @ts-ignore: decorator
@inline function pool(at: usize): v128 {
  return v128.load64_splat(at);
}

/** 2^k for integer-valued lanes k ∈ [−1022, 1023] (as doubles), built from the exponent bits. */
// @ts-ignore: decorator
@inline function pow2(k: v128): v128 {
  const ki = i64x2.extend_low_i32x4_s(i32x4.trunc_sat_f64x2_s_zero(k));
  return i64x2.shl(i64x2.add(ki, i64x2.splat(1023)), 52);
}

/** t rounded to the nearest integer (ties to even), as doubles. */
// @ts-ignore: decorator
@inline function nearest(t: v128): v128 {
  return f64x2.sub(f64x2.add(t, pool(K_ROUND)), pool(K_ROUND));
}

/** e^x for every x: fdlibm's reduction x = k·ln2 + r, |r| ≤ ln2/2, its rational approximation of e^r, then 2^k in two halves. */
// @ts-ignore: decorator
@inline function expV(x: v128): v128 {
  const xc = f64x2.pmin(f64x2.pmax(x, pool(K_MINUS_746_0)), pool(K_710_0));
  const k = nearest(f64x2.mul(xc, pool(K_INV_LN2)));
  const hi = f64x2.sub(xc, f64x2.mul(k, pool(K_LN2_HI)));
  const lo = f64x2.mul(k, pool(K_LN2_LO));
  const r = f64x2.sub(hi, lo);
  const rr = f64x2.mul(r, r);
  const poly = f64x2.add(
    pool(K_P1),
    f64x2.mul(rr, f64x2.add(pool(K_P2), f64x2.mul(rr, f64x2.add(pool(K_P3), f64x2.mul(rr, f64x2.add(pool(K_P4), f64x2.mul(rr, pool(K_P5)))))))),
  );
  const c = f64x2.sub(r, f64x2.mul(rr, poly));
  const y = f64x2.sub(
    pool(K_1_0),
    f64x2.sub(f64x2.sub(lo, f64x2.div(f64x2.mul(r, c), f64x2.sub(pool(K_2_0), c))), hi),
  );
  // 2^k = 2^k1 · 2^k2 with k1 = ⌊k/2⌋, so both halves stay normal for k ∈ [−1077, 1025].
  const k1 = f64x2.floor(f64x2.mul(k, pool(K_0_5)));
  const k2 = f64x2.sub(k, k1);
  return f64x2.mul(f64x2.mul(y, pow2(k1)), pow2(k2));
}

/** c0 + r·c1 + r²·(c2 + r·c3), in that order of operations (the c are pool addresses). */
// @ts-ignore: decorator
@inline function quad(r: v128, r2: v128, c0: usize, c1: usize, c2: usize, c3: usize): v128 {
  const lo = f64x2.add(pool(c0), f64x2.mul(r, pool(c1)));
  return f64x2.add(lo, f64x2.mul(r2, f64x2.add(pool(c2), f64x2.mul(r, pool(c3)))));
}

/**
 * e^x − 1 for x ≤ 0 (positive lanes give garbage; NaN propagates): x = k·ln2 + r, e^r − 1 by its Taylor series
 * to r¹³ written as r·(1 + r·(…)) so ±0 and subnormals come back unchanged, then 2^k·p + (2^k − 1).
 */
// @ts-ignore: decorator
@inline function expm1NegV(x: v128): v128 {
  const xc = f64x2.pmax(x, pool(K_MINUS_40_0));
  const k = nearest(f64x2.mul(xc, pool(K_INV_LN2)));
  const r = f64x2.sub(f64x2.sub(xc, f64x2.mul(k, pool(K_LN2_HI))), f64x2.mul(k, pool(K_LN2_LO)));
  // q = Σ r^i/(i + 2)! for i ≤ 11 by Estrin's scheme (pairs, then r², r⁴, r⁸): a dependency chain of 4
  // multiply-adds instead of Horner's 12, so a vector of these overlaps with the next one.
  const r2 = f64x2.mul(r, r);
  const r4 = f64x2.mul(r2, r2);
  const q01 = quad(r, r2, K_0_5, K_0_16666666666666666, K_0_041666666666666664, K_0_008333333333333333);
  const q23 = quad(r, r2, K_0_001388888888888889, K_0_0001984126984126984, K_2_48015873015873eM05, K_2_7557319223985893eM06);
  const q45 = quad(r, r2, K_2_755731922398589eM07, K_2_505210838544172eM08, K_2_08767569878681eM09, K_1_6059043836821613eM10);
  const q = f64x2.add(q01, f64x2.mul(r4, f64x2.add(q23, f64x2.mul(r4, q45))));
  const p = f64x2.mul(r, f64x2.add(pool(K_1_0), f64x2.mul(r, q)));
  const s = pow2(k);
  const scaled = f64x2.add(f64x2.mul(s, p), f64x2.sub(s, pool(K_1_0)));
  return v128.bitselect(p, scaled, f64x2.eq(k, pool(K_0_0)));
}

/** log(1 + x): fdlibm's log1p (x = 2^k·(1 + f) with a correction term), its two cases computed and selected. */
// @ts-ignore: decorator
@inline function log1pV(x: v128): v128 {
  // Near 0: k = 0, f = x.
  const small = log1pCore(x, pool(K_0_0), pool(K_0_0));
  // Elsewhere: u = 1 + x = 2^k·m with m ∈ [√2/2, √2), f = m − 1, c = the rounding error of u over u.
  const u = f64x2.add(pool(K_1_0), x);
  const bits = u;
  const k0 = f64x2.convert_low_i32x4_s(
    i32x4.shuffle(i64x2.sub(i64x2.shr_u(bits, 52), i64x2.splat(1023)), i64x2.splat(0), 0, 2, 0, 2),
  );
  const mant = v128.and(bits, i64x2.splat(0x000fffffffffffff));
  const high = i64x2.ge_s(mant, i64x2.splat(0x0006a09e00000000));
  const m = v128.or(mant, v128.bitselect(i64x2.splat(0x3fe0000000000000), i64x2.splat(0x3ff0000000000000), high));
  const k = f64x2.add(k0, v128.and(pool(K_1_0), high));
  const c = f64x2.div(
    v128.bitselect(
      f64x2.sub(pool(K_1_0), f64x2.sub(u, x)),
      f64x2.sub(x, f64x2.sub(u, pool(K_1_0))),
      f64x2.gt(k0, pool(K_0_0)),
    ),
    u,
  );
  const large = log1pCore(f64x2.sub(m, pool(K_1_0)), k, c);
  const inside = v128.and(f64x2.gt(x, pool(K_LOG1P_LOW)), f64x2.lt(x, pool(K_LOG1P_HIGH)));
  let y = v128.bitselect(small, large, inside);
  // log1p(±0) = ±0 (the series would turn −0 into +0), log1p(∞) = ∞, log1p(−1) = −∞, below −1 NaN (NaN stays
  // NaN through either case).
  y = v128.bitselect(x, y, f64x2.eq(x, pool(K_0_0)));
  y = v128.bitselect(pool(K_INFINITY), y, f64x2.eq(x, pool(K_INFINITY)));
  y = v128.bitselect(pool(K_MINUS_INFINITY), y, f64x2.eq(x, pool(K_MINUS_1_0)));
  return v128.bitselect(pool(K_NAN), y, f64x2.lt(x, pool(K_MINUS_1_0)));
}

/** k·ln2 + log(1 + f) + c for |f| within [√2/2 − 1, √2 − 1] (fdlibm's s = f/(2 + f) series). */
// @ts-ignore: decorator
@inline function log1pCore(f: v128, k: v128, c: v128): v128 {
  const hfsq = f64x2.mul(f64x2.mul(pool(K_0_5), f), f);
  const s = f64x2.div(f, f64x2.add(pool(K_2_0), f));
  const z = f64x2.mul(s, s);
  let R = f64x2.mul(z, pool(K_LP7));
  R = f64x2.mul(z, f64x2.add(pool(K_LP6), R));
  R = f64x2.mul(z, f64x2.add(pool(K_LP5), R));
  R = f64x2.mul(z, f64x2.add(pool(K_LP4), R));
  R = f64x2.mul(z, f64x2.add(pool(K_LP3), R));
  R = f64x2.mul(z, f64x2.add(pool(K_LP2), R));
  R = f64x2.mul(z, f64x2.add(pool(K_LP1), R));
  const inner = f64x2.add(f64x2.mul(s, f64x2.add(hfsq, R)), f64x2.add(f64x2.mul(k, pool(K_LN2_LO)), c));
  return f64x2.sub(f64x2.mul(k, pool(K_LN2_HI)), f64x2.sub(f64x2.sub(hfsq, inner), f));
}

/**
 * tanh x: x itself below 2⁻²⁸, Cephes' rational approximation below 0.625, else −t/(t + 2) with
 * t = e^(−2|x|) − 1 and the sign of x restored.
 */
// @ts-ignore: decorator
@inline function tanhV(x: v128): v128 {
  const ax = f64x2.abs(x);
  const rational = f64x2.lt(ax, pool(K_TANH_RATIONAL));
  const t = expm1NegV(f64x2.mul(pool(K_MINUS_2_0), f64x2.pmin(ax, pool(K_TANH_CLAMP))));
  const z = f64x2.mul(x, x);
  const num = f64x2.mul(f64x2.mul(x, z), f64x2.add(f64x2.mul(z, f64x2.add(f64x2.mul(z, pool(K_TP0)), pool(K_TP1))), pool(K_TP2)));
  const den = f64x2.add(f64x2.mul(z, f64x2.add(f64x2.mul(z, f64x2.add(z, pool(K_TQ0))), pool(K_TQ1))), pool(K_TQ2));
  // One division for both forms: num/den below 0.625, −t/(t + 2) above.
  const q = f64x2.div(
    v128.bitselect(num, f64x2.neg(t), rational),
    v128.bitselect(den, f64x2.add(t, pool(K_2_0)), rational),
  );
  const y = v128.bitselect(f64x2.add(x, q), v128.bitselect(f64x2.neg(q), q, f64x2.lt(x, pool(K_0_0))), rational);
  return v128.bitselect(x, y, f64x2.lt(ax, pool(K_TANH_TINY)));
}

/** σ(z) = 1/(1 + e) for z ≥ 0, e/(1 + e) below, with e = e^(−|z|) (never overflows). */
// @ts-ignore: decorator
@inline function sigmoidV(z: v128): v128 {
  const e = expV(f64x2.neg(f64x2.abs(z)));
  const d = f64x2.add(pool(K_1_0), e);
  return v128.bitselect(f64x2.div(pool(K_1_0), d), f64x2.div(e, d), f64x2.ge(z, pool(K_0_0)));
}

/** log(1 + e^z) = max(z, 0) + log1p(e^(−|z|)): finite for every finite z. */
// @ts-ignore: decorator
@inline function softplusV(z: v128): v128 {
  return f64x2.add(f64x2.pmax(pool(K_0_0), z), log1pV(expV(f64x2.neg(f64x2.abs(z)))));
}

// ---- array kernels ----

/** Element-wise functions of the unary* kernels. */
const EXP = 0;
const EXPM1 = 1;
const LOG1P = 2;
const TANH = 3;
const SIGMOID = 4;
const SOFTPLUS = 5;

// @ts-ignore: decorator
@inline function unaryV(op: i32, x: v128): v128 {
  if (op == EXP) return expV(x);
  if (op == EXPM1) return expm1NegV(x);
  if (op == LOG1P) return log1pV(x);
  if (op == TANH) return tanhV(x);
  if (op == SIGMOID) return sigmoidV(x);
  return softplusV(x);
}

// One exported loop per function and direction, each with its function inlined: a dispatch on a run-time
// code inside the loop would be compiled into code that evaluates every function for every value (the
// optimiser turns the branches into value-carrying br_ifs) and one outside it gets merged back into one loop.

// @ts-ignore: decorator
@inline function unaryLoop(op: i32, x: usize, y: usize, len: i32): void {
  const pairs = <usize>(len >> 1) << 4;
  for (let o: usize = 0; o < pairs; o += 16) v128.store(y + o, unaryV(op, v128.load(x + o)));
  if (len & 1) v128.store64_lane(y + pairs, unaryV(op, v128.load64_zero(x + pairs)), 0);
}

/** y[i] = f(x[i]) for i < len (for tests and benchmarks of the functions themselves). */
export function unaryExp(x: usize, y: usize, len: i32): void {
  unaryLoop(EXP, x, y, len);
}
export function unaryExpm1(x: usize, y: usize, len: i32): void {
  unaryLoop(EXPM1, x, y, len);
}
export function unaryLog1p(x: usize, y: usize, len: i32): void {
  unaryLoop(LOG1P, x, y, len);
}
export function unaryTanh(x: usize, y: usize, len: i32): void {
  unaryLoop(TANH, x, y, len);
}
export function unarySigmoid(x: usize, y: usize, len: i32): void {
  unaryLoop(SIGMOID, x, y, len);
}
export function unarySoftplus(x: usize, y: usize, len: i32): void {
  unaryLoop(SOFTPLUS, x, y, len);
}

/** Activations of the forward* / backward* kernels. */
const LINEAR = 0;
const A_SIGMOID = 1;
const A_TANH = 2;
const RELU = 3;
const LEAKY_RELU = 4;
const ELU = 5;
const A_SOFTPLUS = 6;

// @ts-ignore: decorator
@inline function forwardV(kind: i32, z: v128, slope: v128, alpha: v128): v128 {
  if (kind == LINEAR) return z;
  if (kind == A_SIGMOID) return sigmoidV(z);
  if (kind == A_TANH) return tanhV(z);
  const positive = f64x2.gt(z, pool(K_0_0));
  if (kind == RELU) return v128.and(z, positive);
  if (kind == LEAKY_RELU) return v128.bitselect(z, f64x2.mul(slope, z), positive);
  if (kind == ELU) return v128.bitselect(z, f64x2.mul(alpha, expm1NegV(f64x2.pmin(z, pool(K_0_0)))), positive);
  return softplusV(z);
}

// @ts-ignore: decorator
@inline function forwardLoop(kind: i32, z: usize, a: usize, len: i32, s: v128, al: v128): void {
  const pairs = <usize>(len >> 1) << 4;
  for (let o: usize = 0; o < pairs; o += 16) v128.store(a + o, forwardV(kind, v128.load(z + o), s, al));
  if (len & 1) v128.store64_lane(a + pairs, forwardV(kind, v128.load64_zero(z + pairs), s, al), 0);
}

/** A[i] = f(Z[i]) for i < len: Z and A (batch, units) flattened, not aliased; slope/alpha of leaky ReLU/ELU. */
export function forwardLinear(z: usize, a: usize, len: i32, slope: f64, alpha: f64): void {
  memory.copy(a, z, <usize>len << 3);
}
export function forwardSigmoid(z: usize, a: usize, len: i32, slope: f64, alpha: f64): void {
  forwardLoop(A_SIGMOID, z, a, len, f64x2.splat(slope), f64x2.splat(alpha));
}
export function forwardTanh(z: usize, a: usize, len: i32, slope: f64, alpha: f64): void {
  forwardLoop(A_TANH, z, a, len, f64x2.splat(slope), f64x2.splat(alpha));
}
export function forwardRelu(z: usize, a: usize, len: i32, slope: f64, alpha: f64): void {
  forwardLoop(RELU, z, a, len, f64x2.splat(slope), f64x2.splat(alpha));
}
export function forwardLeakyRelu(z: usize, a: usize, len: i32, slope: f64, alpha: f64): void {
  forwardLoop(LEAKY_RELU, z, a, len, f64x2.splat(slope), f64x2.splat(alpha));
}
export function forwardElu(z: usize, a: usize, len: i32, slope: f64, alpha: f64): void {
  forwardLoop(ELU, z, a, len, f64x2.splat(slope), f64x2.splat(alpha));
}
export function forwardSoftplus(z: usize, a: usize, len: i32, slope: f64, alpha: f64): void {
  forwardLoop(A_SOFTPLUS, z, a, len, f64x2.splat(slope), f64x2.splat(alpha));
}

/**
 * A[i] = f(Z[i]) as forward*, and into out[0 … 5) the sums layerSums takes of Z and A on a recorded step — Σz, Σz²,
 * Σa, Σa², count of a outside [lo, hi] (none counted for bounds of ±∞) — while both are in registers, in the
 * four sets of reduce.ts forwardSums (so the same bits). The activation's own work is a long dependent chain for tanh and
 * its kin; the sums are independent adds that fill its idle slots.
 */
// @ts-ignore: decorator
@inline function forwardSumsLoop(kind: i32, z: usize, a: usize, len: i32, s: v128, al: v128, lo: f64, hi: f64, out: usize): void {
  if (lo == -Infinity && hi == Infinity) sumsLoop(true, NO_COUNT, kind, z, a, len, s, al, lo, hi, out);
  else if (lo == -hi) sumsLoop(true, SYMMETRIC_COUNT, kind, z, a, len, s, al, lo, hi, out);
  else sumsLoop(true, COUNT, kind, z, a, len, s, al, lo, hi, out);
}

/** How sumsLoop counts a outside [lo, hi]: not at all (bounds ±∞), as |a| > hi (lo = −hi: tanh), or both compares. */
const NO_COUNT = 0;
const SYMMETRIC_COUNT = 1;
const COUNT = 2;

/**
 * The sums of Z and A into out[0 … 5) (see forwardSumsLoop). `compute`: A = f(Z) is computed and stored on the
 * way (the fused forward), else A is read (layerSums). `count`: how the saturated count is taken (NO_COUNT …).
 * With symmetric bounds a < −hi or a > hi is exactly |a| > hi (NaN neither): one compare instead of two and an
 * or, its all-ones lanes (−1 as integers) subtracted from integer counters, so the count adds nothing to the
 * floating-point adds the sums already saturate (the same count either way).
 */
// @ts-ignore: decorator
@inline function sumsLoop(compute: bool, count: i32, kind: i32, z: usize, a: usize, len: i32, s: v128, al: v128, lo: f64, hi: f64, out: usize): void {
  // Four sets per sum, as sumSquares: x[4k], x[4k+1] in the lanes of the first vector, x[4k+2], x[4k+3] in the
  // second's (two add-latency chains per sum instead of one), a tail of < 4 values into the first lane.
  let zs = pool(K_0_0);
  let z2 = zs;
  let as = zs;
  let a2 = zs;
  let zsB = zs;
  let z2B = zs;
  let asB = zs;
  let a2B = zs;
  let sat = zs;
  let satInt = i64x2.splat(0);
  const low = f64x2.splat(lo);
  const high = f64x2.splat(hi);
  const quads = <usize>(len >> 2) << 5;
  for (let o: usize = 0; o < quads; o += 32) {
    const zv = v128.load(z + o);
    const zw = v128.load(z + o, 16);
    const av = compute ? forwardV(kind, zv, s, al) : v128.load(a + o);
    const aw = compute ? forwardV(kind, zw, s, al) : v128.load(a + o, 16);
    if (compute) {
      v128.store(a + o, av);
      v128.store(a + o, aw, 16);
    }
    zs = f64x2.add(zs, zv);
    zsB = f64x2.add(zsB, zw);
    z2 = f64x2.add(z2, f64x2.mul(zv, zv));
    z2B = f64x2.add(z2B, f64x2.mul(zw, zw));
    as = f64x2.add(as, av);
    asB = f64x2.add(asB, aw);
    a2 = f64x2.add(a2, f64x2.mul(av, av));
    a2B = f64x2.add(a2B, f64x2.mul(aw, aw));
    if (count == SYMMETRIC_COUNT) {
      satInt = i64x2.sub(satInt, f64x2.gt(f64x2.abs(av), high));
      satInt = i64x2.sub(satInt, f64x2.gt(f64x2.abs(aw), high));
    } else if (count == COUNT) {
      const one = pool(K_1_0);
      sat = f64x2.add(sat, v128.and(one, v128.or(f64x2.lt(av, low), f64x2.gt(av, high))));
      sat = f64x2.add(sat, v128.and(one, v128.or(f64x2.lt(aw, low), f64x2.gt(aw, high))));
    }
  }
  let zs0 = f64x2.extract_lane(zs, 0);
  let z20 = f64x2.extract_lane(z2, 0);
  let as0 = f64x2.extract_lane(as, 0);
  let a20 = f64x2.extract_lane(a2, 0);
  let sat0 =
    f64x2.extract_lane(sat, 0) +
    f64x2.extract_lane(sat, 1) +
    <f64>(i64x2.extract_lane(satInt, 0) + i64x2.extract_lane(satInt, 1));
  const end = <usize>len << 3;
  for (let o = quads; o < end; o += 8) {
    const zt = load<f64>(z + o);
    const at = compute ? f64x2.extract_lane(forwardV(kind, v128.load64_zero(z + o), s, al), 0) : load<f64>(a + o);
    if (compute) store<f64>(a + o, at);
    zs0 += zt;
    z20 += zt * zt;
    as0 += at;
    a20 += at * at;
    if (at < lo || at > hi) sat0 += 1;
  }
  store<f64>(out, zs0 + f64x2.extract_lane(zs, 1) + f64x2.extract_lane(zsB, 0) + f64x2.extract_lane(zsB, 1));
  store<f64>(out, z20 + f64x2.extract_lane(z2, 1) + f64x2.extract_lane(z2B, 0) + f64x2.extract_lane(z2B, 1), 8);
  store<f64>(out, as0 + f64x2.extract_lane(as, 1) + f64x2.extract_lane(asB, 0) + f64x2.extract_lane(asB, 1), 16);
  store<f64>(out, a20 + f64x2.extract_lane(a2, 1) + f64x2.extract_lane(a2B, 0) + f64x2.extract_lane(a2B, 1), 24);
  store<f64>(out, sat0, 32);
}

export function forwardSumsLinear(z: usize, a: usize, len: i32, slope: f64, alpha: f64, lo: f64, hi: f64, out: usize): void {
  forwardSumsLoop(LINEAR, z, a, len, f64x2.splat(slope), f64x2.splat(alpha), lo, hi, out);
}
export function forwardSumsSigmoid(z: usize, a: usize, len: i32, slope: f64, alpha: f64, lo: f64, hi: f64, out: usize): void {
  forwardSumsLoop(A_SIGMOID, z, a, len, f64x2.splat(slope), f64x2.splat(alpha), lo, hi, out);
}
export function forwardSumsTanh(z: usize, a: usize, len: i32, slope: f64, alpha: f64, lo: f64, hi: f64, out: usize): void {
  forwardSumsLoop(A_TANH, z, a, len, f64x2.splat(slope), f64x2.splat(alpha), lo, hi, out);
}
export function forwardSumsRelu(z: usize, a: usize, len: i32, slope: f64, alpha: f64, lo: f64, hi: f64, out: usize): void {
  forwardSumsLoop(RELU, z, a, len, f64x2.splat(slope), f64x2.splat(alpha), lo, hi, out);
}
export function forwardSumsLeakyRelu(z: usize, a: usize, len: i32, slope: f64, alpha: f64, lo: f64, hi: f64, out: usize): void {
  forwardSumsLoop(LEAKY_RELU, z, a, len, f64x2.splat(slope), f64x2.splat(alpha), lo, hi, out);
}
export function forwardSumsElu(z: usize, a: usize, len: i32, slope: f64, alpha: f64, lo: f64, hi: f64, out: usize): void {
  forwardSumsLoop(ELU, z, a, len, f64x2.splat(slope), f64x2.splat(alpha), lo, hi, out);
}
export function forwardSumsSoftplus(z: usize, a: usize, len: i32, slope: f64, alpha: f64, lo: f64, hi: f64, out: usize): void {
  forwardSumsLoop(A_SOFTPLUS, z, a, len, f64x2.splat(slope), f64x2.splat(alpha), lo, hi, out);
}

// @ts-ignore: decorator
@inline function backwardV(kind: i32, z: v128, a: v128, d: v128, slope: v128, alpha: v128): v128 {
  if (kind == LINEAR) return d;
  // forward: A = σ(Z), so dZ = dA · A(1 − A)
  if (kind == A_SIGMOID) return f64x2.mul(f64x2.mul(d, a), f64x2.sub(pool(K_1_0), a));
  // forward: A = tanh(Z), so dZ = dA · (1 − A²)
  if (kind == A_TANH) return f64x2.mul(d, f64x2.sub(pool(K_1_0), f64x2.mul(a, a)));
  const positive = f64x2.gt(z, pool(K_0_0));
  // forward: A = max(Z, 0), so dZ = dA where Z > 0, else 0
  if (kind == RELU) return v128.and(d, positive);
  if (kind == LEAKY_RELU) return v128.bitselect(d, f64x2.mul(slope, d), positive);
  // forward: A = α(e^Z − 1) for Z ≤ 0, whose slope is A + α
  if (kind == ELU) return v128.bitselect(d, f64x2.mul(d, f64x2.add(a, alpha)), positive);
  // forward: A = log(1 + e^Z), so dZ = dA · σ(Z)
  return f64x2.mul(d, sigmoidV(z));
}

// @ts-ignore: decorator
@inline function backwardLoop(
  kind: i32, z: usize, a: usize, dA: usize, dZ: usize, len: i32, s: v128, al: v128,
): void {
  const pairs = <usize>(len >> 1) << 4;
  for (let o: usize = 0; o < pairs; o += 16) {
    v128.store(dZ + o, backwardV(kind, v128.load(z + o), v128.load(a + o), v128.load(dA + o), s, al));
  }
  if (len & 1) {
    const o = pairs;
    const r = backwardV(kind, v128.load64_zero(z + o), v128.load64_zero(a + o), v128.load64_zero(dA + o), s, al);
    v128.store64_lane(dZ + o, r, 0);
  }
}

/** dZ[i] = dA[i] · f′(Z[i]) for i < len, f′ restated through A = f(Z) where cheaper. */
export function backwardLinear(z: usize, a: usize, dA: usize, dZ: usize, len: i32, slope: f64, alpha: f64): void {
  memory.copy(dZ, dA, <usize>len << 3);
}
export function backwardSigmoid(z: usize, a: usize, dA: usize, dZ: usize, len: i32, slope: f64, alpha: f64): void {
  backwardLoop(A_SIGMOID, z, a, dA, dZ, len, f64x2.splat(slope), f64x2.splat(alpha));
}
export function backwardTanh(z: usize, a: usize, dA: usize, dZ: usize, len: i32, slope: f64, alpha: f64): void {
  backwardLoop(A_TANH, z, a, dA, dZ, len, f64x2.splat(slope), f64x2.splat(alpha));
}
export function backwardRelu(z: usize, a: usize, dA: usize, dZ: usize, len: i32, slope: f64, alpha: f64): void {
  backwardLoop(RELU, z, a, dA, dZ, len, f64x2.splat(slope), f64x2.splat(alpha));
}
export function backwardLeakyRelu(z: usize, a: usize, dA: usize, dZ: usize, len: i32, slope: f64, alpha: f64): void {
  backwardLoop(LEAKY_RELU, z, a, dA, dZ, len, f64x2.splat(slope), f64x2.splat(alpha));
}
export function backwardElu(z: usize, a: usize, dA: usize, dZ: usize, len: i32, slope: f64, alpha: f64): void {
  backwardLoop(ELU, z, a, dA, dZ, len, f64x2.splat(slope), f64x2.splat(alpha));
}
export function backwardSoftplus(z: usize, a: usize, dA: usize, dZ: usize, len: i32, slope: f64, alpha: f64): void {
  backwardLoop(A_SOFTPLUS, z, a, dA, dZ, len, f64x2.splat(slope), f64x2.splat(alpha));
}

/**
 * backwardLoop, returning Σ dZ[i]² of what it writes as sumSquaresWide would sum it afterwards (same sets, same
 * order, same bits): a recorded step's Σd² of a hidden layer, taken while dZ is still in registers.
 */
// @ts-ignore: decorator
@inline function backwardSumsLoop(
  kind: i32, z: usize, a: usize, dA: usize, dZ: usize, len: i32, s: v128, al: v128,
): f64 {
  let a0 = f64x2.splat(0);
  let a1 = a0;
  let a2 = a0;
  let a3 = a0;
  let a4 = a0;
  let a5 = a0;
  let a6 = a0;
  let a7 = a0;
  const blocks = <usize>(len >> 4) << 7;
  for (let o: usize = 0; o < blocks; o += 128) {
    const d0 = backwardV(kind, v128.load(z + o), v128.load(a + o), v128.load(dA + o), s, al);
    const d1 = backwardV(kind, v128.load(z + o, 16), v128.load(a + o, 16), v128.load(dA + o, 16), s, al);
    const d2 = backwardV(kind, v128.load(z + o, 32), v128.load(a + o, 32), v128.load(dA + o, 32), s, al);
    const d3 = backwardV(kind, v128.load(z + o, 48), v128.load(a + o, 48), v128.load(dA + o, 48), s, al);
    const d4 = backwardV(kind, v128.load(z + o, 64), v128.load(a + o, 64), v128.load(dA + o, 64), s, al);
    const d5 = backwardV(kind, v128.load(z + o, 80), v128.load(a + o, 80), v128.load(dA + o, 80), s, al);
    const d6 = backwardV(kind, v128.load(z + o, 96), v128.load(a + o, 96), v128.load(dA + o, 96), s, al);
    const d7 = backwardV(kind, v128.load(z + o, 112), v128.load(a + o, 112), v128.load(dA + o, 112), s, al);
    v128.store(dZ + o, d0);
    v128.store(dZ + o, d1, 16);
    v128.store(dZ + o, d2, 32);
    v128.store(dZ + o, d3, 48);
    v128.store(dZ + o, d4, 64);
    v128.store(dZ + o, d5, 80);
    v128.store(dZ + o, d6, 96);
    v128.store(dZ + o, d7, 112);
    a0 = f64x2.add(a0, f64x2.mul(d0, d0));
    a1 = f64x2.add(a1, f64x2.mul(d1, d1));
    a2 = f64x2.add(a2, f64x2.mul(d2, d2));
    a3 = f64x2.add(a3, f64x2.mul(d3, d3));
    a4 = f64x2.add(a4, f64x2.mul(d4, d4));
    a5 = f64x2.add(a5, f64x2.mul(d5, d5));
    a6 = f64x2.add(a6, f64x2.mul(d6, d6));
    a7 = f64x2.add(a7, f64x2.mul(d7, d7));
  }
  // The tail of < 16 values by backwardLoop itself, its squares summed by foldWide.
  backwardLoop(kind, z + blocks, a + blocks, dA + blocks, dZ + blocks, len & 15, s, al);
  return foldWide(a0, a1, a2, a3, a4, a5, a6, a7, dZ, blocks, <usize>len << 3);
}

/** backward*, returning Σ dZ[i]² (sumSquaresWide's bits): a recorded step's hidden layers. */
export function backwardSumsLinear(z: usize, a: usize, dA: usize, dZ: usize, len: i32, slope: f64, alpha: f64): f64 {
  memory.copy(dZ, dA, <usize>len << 3);
  return sumSquaresWide(dZ, len);
}
export function backwardSumsSigmoid(z: usize, a: usize, dA: usize, dZ: usize, len: i32, slope: f64, alpha: f64): f64 {
  return backwardSumsLoop(A_SIGMOID, z, a, dA, dZ, len, f64x2.splat(slope), f64x2.splat(alpha));
}
export function backwardSumsTanh(z: usize, a: usize, dA: usize, dZ: usize, len: i32, slope: f64, alpha: f64): f64 {
  return backwardSumsLoop(A_TANH, z, a, dA, dZ, len, f64x2.splat(slope), f64x2.splat(alpha));
}
export function backwardSumsRelu(z: usize, a: usize, dA: usize, dZ: usize, len: i32, slope: f64, alpha: f64): f64 {
  return backwardSumsLoop(RELU, z, a, dA, dZ, len, f64x2.splat(slope), f64x2.splat(alpha));
}
export function backwardSumsLeakyRelu(z: usize, a: usize, dA: usize, dZ: usize, len: i32, slope: f64, alpha: f64): f64 {
  return backwardSumsLoop(LEAKY_RELU, z, a, dA, dZ, len, f64x2.splat(slope), f64x2.splat(alpha));
}
export function backwardSumsElu(z: usize, a: usize, dA: usize, dZ: usize, len: i32, slope: f64, alpha: f64): f64 {
  return backwardSumsLoop(ELU, z, a, dA, dZ, len, f64x2.splat(slope), f64x2.splat(alpha));
}
export function backwardSumsSoftplus(z: usize, a: usize, dA: usize, dZ: usize, len: i32, slope: f64, alpha: f64): f64 {
  return backwardSumsLoop(A_SOFTPLUS, z, a, dA, dZ, len, f64x2.splat(slope), f64x2.splat(alpha));
}

/** Every row of Z (rows, cols) = b (cols): the bias a forward pass starts from. */
export function broadcastRows(b: usize, z: usize, rows: i32, cols: i32): void {
  const bytes = <usize>cols << 3;
  for (let r = 0; r < rows; r++) memory.copy(z + <usize>r * bytes, b, bytes);
}

/** db[j] += Σ_r dZ[r][j] for dZ (rows, cols), r in order (the bias gradient; same sums as a loop over r). */
export function addColumnSums(dZ: usize, db: usize, rows: i32, cols: i32): void {
  const bytes = <usize>cols << 3;
  const pairs = <usize>(cols >> 1) << 4;
  for (let o: usize = 0; o < pairs; o += 16) {
    let acc = v128.load(db + o);
    let at = dZ + o;
    for (let r = 0; r < rows; r++) {
      acc = f64x2.add(acc, v128.load(at));
      at += bytes;
    }
    v128.store(db + o, acc);
  }
  if (cols & 1) {
    let acc = load<f64>(db + pairs);
    let at = dZ + pairs;
    for (let r = 0; r < rows; r++) {
      acc += load<f64>(at);
      at += bytes;
    }
    store<f64>(db + pairs, acc);
  }
}

// ---- losses and statistics ----

/**
 * Σ over i < len of the binary cross-entropy from logits, max(z, 0) − z·y + log1p(e^(−|z|)) (finite for every
 * finite z): lane 0 sums the even i, lane 1 the odd ones (the last odd-length value into lane 0), then lane 0 +
 * lane 1, as bceLossSum in src/core/losses.ts.
 */
export function bceLossSum(z: usize, y: usize, len: i32): f64 {
  let acc = pool(K_0_0);
  const pairs = <usize>(len >> 1) << 4;
  for (let o: usize = 0; o < pairs; o += 16) acc = f64x2.add(acc, bceTerm(v128.load(z + o), v128.load(y + o)));
  let even = f64x2.extract_lane(acc, 0);
  if (len & 1) even += f64x2.extract_lane(bceTerm(v128.load64_zero(z + pairs), v128.load64_zero(y + pairs)), 0);
  return even + f64x2.extract_lane(acc, 1);
}

// @ts-ignore: decorator
@inline function bceTerm(z: v128, y: v128): v128 {
  const softplusNegAbs = log1pV(expV(f64x2.neg(f64x2.abs(z))));
  return f64x2.add(f64x2.sub(f64x2.pmax(pool(K_0_0), z), f64x2.mul(z, y)), softplusNegAbs);
}

/**
 * Σx, Σx², min and max of x[0 … len) into out[0 … 4), as moments in src/core/reduce.ts: the lanes take the even and
 * the odd indices (an odd-length tail goes to lane 0) and are combined at the end; min and max skip NaNs.
 */
export function moments(x: usize, len: i32, out: usize): void {
  let s = pool(K_0_0);
  let q = s;
  let mn = pool(K_INFINITY);
  let mx = pool(K_MINUS_INFINITY);
  const pairs = <usize>(len >> 1) << 4;
  for (let o: usize = 0; o < pairs; o += 16) {
    const v = v128.load(x + o);
    s = f64x2.add(s, v);
    q = f64x2.add(q, f64x2.mul(v, v));
    // pmin(a, b) is b < a ? b : a and pmax(a, b) is a < b ? b : a: a NaN never replaces the extreme (one op each).
    mn = f64x2.pmin(mn, v);
    mx = f64x2.pmax(mx, v);
  }
  storeMoments(out, s, q, mn, mx, (len & 1) != 0, len & 1 ? load<f64>(x + pairs) : 0);
}

/**
 * Writes [Σx, Σx², min, max] of two lanes' sums s, q and extremes mn, mx to out[0 … 4): lane 0 first takes an
 * odd-length tail u when `tail`, then lane 0 + lane 1 (min and max skip NaNs). Also used by kernels/updates.ts.
 */
// @ts-ignore: decorator
@inline export function storeMoments(out: usize, s: v128, q: v128, mn: v128, mx: v128, tail: bool, u: f64): void {
  let s0 = f64x2.extract_lane(s, 0);
  let q0 = f64x2.extract_lane(q, 0);
  let min0 = f64x2.extract_lane(mn, 0);
  let max0 = f64x2.extract_lane(mx, 0);
  if (tail) {
    s0 += u;
    q0 += u * u;
    if (u < min0) min0 = u;
    if (u > max0) max0 = u;
  }
  const min1 = f64x2.extract_lane(mn, 1);
  const max1 = f64x2.extract_lane(mx, 1);
  store<f64>(out, s0 + f64x2.extract_lane(s, 1));
  store<f64>(out, q0 + f64x2.extract_lane(q, 1), 8);
  store<f64>(out, min1 < min0 ? min1 : min0, 16);
  store<f64>(out, max1 > max0 ? max1 : max0, 24);
}

/**
 * A layer's (batch, units) buffers' statistics, as layerSums in src/core/reduce.ts: into out[0 … 6) Σd², Σz, Σz²,
 * Σa, Σa² and the count of a outside [lo, hi]: Σd² by sumSquaresWide, the rest in one pass over Z and A, each sum
 * in four sets (one add-latency chain per sum was what a recorded step waited on). Bounds of ±∞ count
 * nothing (no value, NaN included, is outside them): that case skips the count's five operations per pair.
 */
export function layerSums(z: usize, a: usize, d: usize, len: i32, lo: f64, hi: f64, out: usize): void {
  store<f64>(out, sumSquaresWide(d, len));
  const none = pool(K_0_0);
  if (lo == -Infinity && hi == Infinity) sumsLoop(false, NO_COUNT, LINEAR, z, a, len, none, none, lo, hi, out + 8);
  else if (lo == -hi) sumsLoop(false, SYMMETRIC_COUNT, LINEAR, z, a, len, none, none, lo, hi, out + 8);
  else sumsLoop(false, COUNT, LINEAR, z, a, len, none, none, lo, hi, out + 8);
}

/**
 * Σx² of x[0 … len) in four sets — x[4k], x[4k+1], x[4k+2], x[4k+3], a tail of < 4 values into the first — added
 * in that order at the end: sumSquares in src/core/reduce.ts, bit for bit.
 */
export function sumSquares(x: usize, len: i32): f64 {
  let a = f64x2.splat(0);
  let b = a;
  const quads = <usize>(len >> 2) << 5;
  for (let o: usize = 0; o < quads; o += 32) {
    const u = v128.load(x + o);
    const v = v128.load(x + o, 16);
    a = f64x2.add(a, f64x2.mul(u, u));
    b = f64x2.add(b, f64x2.mul(v, v));
  }
  let s0 = f64x2.extract_lane(a, 0);
  const end = <usize>len << 3;
  for (let o = quads; o < end; o += 8) {
    const t = load<f64>(x + o);
    s0 += t * t;
  }
  return s0 + f64x2.extract_lane(a, 1) + f64x2.extract_lane(b, 0) + f64x2.extract_lane(b, 1);
}

/**
 * Σx² of x[0 … len) in sixteen sets — x[16k + j] into set j (lane j % 2 of vector ⌊j/2⌋), a tail of < 16 values
 * into set 0 — added in set order at the end: sumSquaresWide in src/core/reduce.ts, bit for bit. Eight independent
 * add chains instead of sumSquares' two, so a layer's deltas are summed at the loads' pace, not the adds' latency.
 */
export function sumSquaresWide(x: usize, len: i32): f64 {
  let a0 = f64x2.splat(0);
  let a1 = a0;
  let a2 = a0;
  let a3 = a0;
  let a4 = a0;
  let a5 = a0;
  let a6 = a0;
  let a7 = a0;
  const blocks = <usize>(len >> 4) << 7;
  for (let o: usize = 0; o < blocks; o += 128) {
    const v0 = v128.load(x + o);
    const v1 = v128.load(x + o, 16);
    const v2 = v128.load(x + o, 32);
    const v3 = v128.load(x + o, 48);
    const v4 = v128.load(x + o, 64);
    const v5 = v128.load(x + o, 80);
    const v6 = v128.load(x + o, 96);
    const v7 = v128.load(x + o, 112);
    a0 = f64x2.add(a0, f64x2.mul(v0, v0));
    a1 = f64x2.add(a1, f64x2.mul(v1, v1));
    a2 = f64x2.add(a2, f64x2.mul(v2, v2));
    a3 = f64x2.add(a3, f64x2.mul(v3, v3));
    a4 = f64x2.add(a4, f64x2.mul(v4, v4));
    a5 = f64x2.add(a5, f64x2.mul(v5, v5));
    a6 = f64x2.add(a6, f64x2.mul(v6, v6));
    a7 = f64x2.add(a7, f64x2.mul(v7, v7));
  }
  return foldWide(a0, a1, a2, a3, a4, a5, a6, a7, x, blocks, <usize>len << 3);
}

/**
 * The end of sumSquaresWide: set 0 (lane 0 of a0), plus the squares of x's tail [blocks, end) (bytes) in order, then
 * the other fifteen sets in set order.
 */
// @ts-ignore: decorator
@inline function foldWide(
  a0: v128, a1: v128, a2: v128, a3: v128, a4: v128, a5: v128, a6: v128, a7: v128, x: usize, blocks: usize, end: usize,
): f64 {
  let s = f64x2.extract_lane(a0, 0);
  for (let o = blocks; o < end; o += 8) {
    const t = load<f64>(x + o);
    s += t * t;
  }
  s += f64x2.extract_lane(a0, 1);
  s += f64x2.extract_lane(a1, 0);
  s += f64x2.extract_lane(a1, 1);
  s += f64x2.extract_lane(a2, 0);
  s += f64x2.extract_lane(a2, 1);
  s += f64x2.extract_lane(a3, 0);
  s += f64x2.extract_lane(a3, 1);
  s += f64x2.extract_lane(a4, 0);
  s += f64x2.extract_lane(a4, 1);
  s += f64x2.extract_lane(a5, 0);
  s += f64x2.extract_lane(a5, 1);
  s += f64x2.extract_lane(a6, 0);
  s += f64x2.extract_lane(a6, 1);
  s += f64x2.extract_lane(a7, 0);
  return s + f64x2.extract_lane(a7, 1);
}
