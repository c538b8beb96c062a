// A correctly rounded natural logarithm, for numpy's legacy_gauss: C's log (glibc's) and V8's Math.log (fdlibm,
// < 1 ulp) round differently in about one call in ten, and one flipped bit of ln r² changes both normals of a pair.
// Computed in double-double arithmetic (≈ 2^-104 relative), then rounded once to a double.

/** Double-double results are left here (hi, lo) by the helpers below, to avoid allocating pairs. */
let HI = 0;
let LO = 0;

/** HI + LO = a + b exactly (Knuth's two-sum). */
function twoSum(a: number, b: number): void {
  const s = a + b;
  const bb = s - a;
  LO = a - (s - bb) + (b - bb);
  HI = s;
}

/** HI + LO = a · b exactly (Dekker's product with Veltkamp splitting; no FMA in JavaScript). */
function twoProd(a: number, b: number): void {
  const p = a * b;
  const ca = 134217729 * a; // 2^27 + 1
  const ah = ca - (ca - a);
  const al = a - ah;
  const cb = 134217729 * b;
  const bh = cb - (cb - b);
  const bl = b - bh;
  LO = ah * bh - p + ah * bl + al * bh + al * bl;
  HI = p;
}

/** (HI, LO) = (ah, al) · (bh, bl). */
function ddMul(ah: number, al: number, bh: number, bl: number): void {
  twoProd(ah, bh);
  const lo = LO + (ah * bl + al * bh);
  const s = HI + lo;
  LO = lo - (s - HI);
  HI = s;
}

/** (HI, LO) = (ah, al) + (bh, bl). */
function ddAdd(ah: number, al: number, bh: number, bl: number): void {
  twoSum(ah, bh);
  const lo = LO + al + bl;
  const s = HI + lo;
  LO = lo - (s - HI);
  HI = s;
}

/** 1/(2k+1) as double-doubles, k = 0…22: the series of atanh(s)/s in t = s², |t| < 0.0295 (t^23 < 2^-116). */
const TERMS = 23;
/**
 * Terms from k = 11 on weigh t^11 < 2^-55 of the sum: they are summed in plain doubles (error 2^-53 of their
 * part, < 2^-108 of the sum), the first eleven in double-double.
 */
const DD_TERMS = 11;
const C_HI = new Float64Array(TERMS);
const C_LO = new Float64Array(TERMS);
for (let k = 0; k < TERMS; k++) {
  const n = 2 * k + 1;
  C_HI[k] = 1 / n;
  twoProd(C_HI[k], n);
  C_LO[k] = (1 - HI - LO) / n; // 1 − HI is exact (HI ≈ 1)
}

const LN2_HI = Math.LN2; // 0x3fe62e42fefa39ef
const LN2_LO = 2.3190468138462996e-17;

const bits = new DataView(new ArrayBuffer(8));

/** ln x, correctly rounded (to nearest) for every positive finite x; NaN, 0, negatives and ∞ as Math.log. */
export function logCorrectlyRounded(x: number): number {
  if (!(x > 0) || x === Number.POSITIVE_INFINITY) return Math.log(x);
  // x = m · 2^e with m in [√½, √2).
  let e = 0;
  let v = x;
  if (v < 2.2250738585072014e-308) {
    v *= 2 ** 54; // subnormal: scale into the normal range first
    e = -54;
  }
  bits.setFloat64(0, v);
  const hiWord = bits.getUint32(0);
  e += (hiWord >>> 20) - 1023;
  bits.setUint32(0, (hiWord & 0x000fffff) | 0x3ff00000);
  let m = bits.getFloat64(0); // in [1, 2)
  if (m > Math.SQRT2) {
    m /= 2;
    e += 1;
  }
  // ln m = 2·atanh(s), s = (m − 1)/(m + 1) = f/(2 + f); f = m − 1 is exact (Sterbenz), |s| < 0.1716.
  const f = m - 1;
  twoSum(2, f);
  const dh = HI;
  const dl = LO;
  const sh = f / dh;
  twoProd(sh, dh);
  const sl = (f - HI - LO - sh * dl) / dh; // f − HI is exact: HI ≈ f
  // t = s², then atanh(s)/s = Σ t^k/(2k+1) by Horner.
  ddMul(sh, sl, sh, sl);
  const th = HI;
  const tl = LO;
  let tail = C_HI[TERMS - 1];
  for (let k = TERMS - 2; k >= DD_TERMS; k--) tail = tail * th + C_HI[k];
  ddMul(tail, 0, th, tl);
  ddAdd(HI, LO, C_HI[DD_TERMS - 1], C_LO[DD_TERMS - 1]);
  let ph = HI;
  let pl = LO;
  for (let k = DD_TERMS - 2; k >= 0; k--) {
    ddMul(ph, pl, th, tl);
    ddAdd(HI, LO, C_HI[k], C_LO[k]);
    ph = HI;
    pl = LO;
  }
  ddMul(ph, pl, 2 * sh, 2 * sl);
  const lnMh = HI;
  const lnMl = LO;
  // ln x = e·ln 2 + ln m.
  twoProd(e, LN2_HI);
  ddAdd(HI, LO + e * LN2_LO, lnMh, lnMl);
  return HI + LO;
}
