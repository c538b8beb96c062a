// Mean-field signal propagation (Poole et al. 2016; Schoenholz et al. 2017) for a deep net of one activation with
// weights ~ N(0, σ_w²/fan_in) and biases ~ N(0, σ_b²): q*, χ₁, c*, the depth scales ξ_q and ξ_c.
import { type GaussRule, gaussHermite } from './gauss-hermite.ts';
import { type Phi, phiOf, type TheoryActivation } from './phi.ts';

export interface MeanFieldPoint {
  activation: TheoryActivation;
  sigmaW2: number;
  sigmaB2: number;
  leakySlope?: number;
  eluAlpha?: number;
}

export type Phase = 'ordered' | 'critical' | 'chaotic';

export interface MeanField {
  /** Fixed point of the length map q ↦ σ_w²·E[φ(√q z)²] + σ_b² (Infinity when the length grows without bound). */
  qStar: number;
  /** σ_w²·E[φ'(√q* z)²]: the mean squared singular value of one layer's Jacobian; < 1 ordered, > 1 chaotic. */
  chi1: number;
  /** Stable fixed point of the correlation map (1 in the ordered phase and at criticality). */
  cStar: number;
  /** Slope of the correlation map at c*: σ_w²·E[φ'(u₁)φ'(u₂)]. */
  chiC: number;
  /** Depth scale of the length's convergence to q*, −1/ln(dq'/dq at q*) (Infinity when it does not converge). */
  xiQ: number;
  /** Depth scale of the correlation's convergence to c*, −1/ln χ_c (Infinity at criticality). */
  xiC: number;
  phase: Phase;
}

/** Nodes of the default rules; accuracy measured in test/core/theory/mean-field.test.ts and the README. */
export const DEFAULT_NODES_1D = 128;
export const DEFAULT_NODES_2D = 64;

export interface Rules {
  one: GaussRule;
  two: GaussRule;
}

const ruleCache = new Map<number, GaussRule>();
function cachedRule(n: number): GaussRule {
  let r = ruleCache.get(n);
  if (!r) {
    r = gaussHermite(n);
    ruleCache.set(n, r);
  }
  return r;
}

export function rulesOf(n1 = DEFAULT_NODES_1D, n2 = DEFAULT_NODES_2D): Rules {
  return { one: cachedRule(n1), two: cachedRule(n2) };
}

/** E[g(√q z)], z ~ N(0, 1), by the rule. */
export function gaussMean(rule: GaussRule, q: number, g: (u: number) => number): number {
  const s = Math.sqrt(q);
  let acc = 0;
  for (let i = 0; i < rule.z.length; i++) acc += rule.w[i] * g(s * rule.z[i]);
  return acc;
}

/** E[g(u₁)·h(u₂)] with (u₁, u₂) centred Gaussian, variances q, correlation c: u₂ = √q(c z₁ + √(1−c²) z₂). */
export function gaussMean2(
  rule: GaussRule,
  q: number,
  c: number,
  g: (u: number) => number,
  h: (u: number) => number,
): number {
  const s = Math.sqrt(q);
  const sc = s * c;
  const ss = s * Math.sqrt(Math.max(0, 1 - c * c));
  const { z, w } = rule;
  let acc = 0;
  for (let i = 0; i < z.length; i++) {
    let inner = 0;
    const a = sc * z[i];
    for (let j = 0; j < z.length; j++) inner += w[j] * h(a + ss * z[j]);
    acc += w[i] * g(s * z[i]) * inner;
  }
  return acc;
}

// q below which the length counts as 0 and above which as ∞; the integrals are taken there (the limits).
const Q_TINY = 1e-300;
const Q_HUGE = 1e300;

/** The length fixed point q*: the stable root of σ_w²·E[φ(√q z)²] + σ_b² − q on [0, ∞]. */
export function lengthFixedPoint(phi: Phi, sigmaW2: number, sigmaB2: number, rule: GaussRule): number {
  const g = (q: number) => sigmaW2 * gaussMean(rule, q, (u) => phi.f(u) ** 2) + sigmaB2 - q;
  let lo = 1e-12;
  // With φ(0) = 0 and σ_b = 0, q = 0 is a root; it is the stable one when the map shrinks small lengths, and
  // it is reported when the map is the identity up to rounding (ReLU at σ_w² = 2: every q is a fixed point).
  if (g(lo) <= 1e-12 * lo) return 0;
  let hi = Math.max(1, 2 * sigmaB2);
  while (g(hi) > 0) {
    lo = hi;
    hi *= 4;
    if (hi > 1e200) return Infinity;
  }
  // geometric bisection while the bracket spans orders of magnitude, then regula falsi
  while (hi / lo > 2) {
    const mid = Math.sqrt(lo * hi);
    if (g(mid) > 0) lo = mid;
    else hi = mid;
  }
  return illinois(g, lo, hi, 1e-15);
}

/**
 * The root of g in [lo, hi], g(lo) > 0 ≥ g(hi), by the Illinois variant of regula falsi (superlinear, and it
 * keeps the bracket), until the bracket is `rel`·hi wide.
 */
export function illinois(g: (x: number) => number, lo: number, hi: number, rel: number): number {
  let gl = g(lo);
  let gh = g(hi);
  let side = 0;
  for (let it = 0; it < 200 && hi - lo > rel * Math.abs(hi); it++) {
    let x = (lo * gh - hi * gl) / (gh - gl);
    if (!(x > lo && x < hi)) x = 0.5 * (lo + hi);
    const gx = g(x);
    if (gx === 0) return x;
    if (gx > 0) {
      lo = x;
      gl = gx;
      if (side === -1) gh /= 2; // the same end moved twice: halve the other's weight
      side = -1;
    } else {
      hi = x;
      gh = gx;
      if (side === 1) gl /= 2;
      side = 1;
    }
  }
  return 0.5 * (lo + hi);
}

function depthScale(slope: number): number {
  if (!(slope < 1)) return Infinity;
  if (slope <= 0) return 0;
  return -1 / Math.log(slope);
}

/**
 * The mean-field quantities of one (activation, σ_w², σ_b²). `cStart`: where the correlation solve starts (a
 * neighbour's c* on a grid; any start gives the same root).
 */
export function meanField(p: MeanFieldPoint, rules: Rules = rulesOf(), cStart = 0): MeanField {
  const phi = phiOf(p.activation, p.leakySlope, p.eluAlpha);
  const { sigmaW2, sigmaB2 } = p;
  const qStar = lengthFixedPoint(phi, sigmaW2, sigmaB2, rules.one);
  const q = Math.min(Q_HUGE, Math.max(Q_TINY, qStar));
  const chi1 = sigmaW2 * gaussMean(rules.one, q, (u) => phi.d1(u) ** 2);
  // dq'/dq = σ_w²·E[φ'² + φ·φ''] (Gaussian integration by parts of d/dq E[φ(√q z)²])
  const slopeQ = chi1 + sigmaW2 * gaussMean(rules.one, q, (u) => phi.f(u) * phi.d2(u));
  const phase: Phase = Math.abs(chi1 - 1) <= 1e-9 ? 'critical' : chi1 < 1 ? 'ordered' : 'chaotic';
  let cStar = 1;
  if (phase === 'chaotic') cStar = correlationFixedPoint(phi, sigmaW2, sigmaB2, q, rules.two, cStart);
  const chiC = cStar === 1 ? chi1 : sigmaW2 * gaussMean2(rules.two, q, cStar, phi.d1, phi.d1);
  // at criticality (|χ₁ − 1| ≤ 1e-9) ξ_c is ∞, not the rounding of χ₁'s last bits
  const xiC = phase === 'critical' ? Infinity : depthScale(chiC);
  return { qStar, chi1, cStar, chiC, xiQ: depthScale(slopeQ), xiC, phase };
}

/**
 * E[φ(u₁)φ(u₂)] and E[φ'(u₁)φ'(u₂)] in one pass over the 2-D rule (the correlation map and its slope share
 * every node, and φ is the expensive part): out[0], out[1].
 */
function correlationMeans(phi: Phi, rule: GaussRule, q: number, c: number, out: Float64Array): void {
  const s = Math.sqrt(q);
  const sc = s * c;
  const ss = s * Math.sqrt(Math.max(0, 1 - c * c));
  const { z, w } = rule;
  let ff = 0;
  let dd = 0;
  for (let i = 0; i < z.length; i++) {
    let innerF = 0;
    let innerD = 0;
    const a = sc * z[i];
    for (let j = 0; j < z.length; j++) {
      const u = a + ss * z[j];
      innerF += w[j] * phi.f(u);
      innerD += w[j] * phi.d1(u);
    }
    const u1 = s * z[i];
    ff += w[i] * phi.f(u1) * innerF;
    dd += w[i] * phi.d1(u1) * innerD;
  }
  out[0] = ff;
  out[1] = dd;
}

/**
 * Root of h(c) = f(c) − c below 1, f the correlation map (σ_w²·E[φ(u₁)φ(u₂)] + σ_b²)/q, in the chaotic phase
 * (c = 1 is unstable there). f is increasing and convex on [0, 1] with f(0) ≥ 0 and f'(c) = σ_w²·E[φ'(u₁)φ'(u₂)],
 * so Newton's method from any c with h(c) ≥ 0 (c = 0, or a neighbouring cell's c* when that is still left of
 * the root) climbs monotonically to the root.
 */
export function correlationFixedPoint(
  phi: Phi,
  sigmaW2: number,
  sigmaB2: number,
  q: number,
  rule: GaussRule,
  start = 0,
): number {
  const m = new Float64Array(2);
  let c = start;
  for (let it = 0; it < 50; it++) {
    correlationMeans(phi, rule, q, c, m);
    const h = (sigmaW2 * m[0] + sigmaB2) / q - c;
    if (h < 0 && c !== 0) {
      c = 0; // the start was right of the root: climb from 0 instead
      continue;
    }
    const dh = sigmaW2 * m[1] - 1;
    if (!(dh < 0)) return c; // f' ≥ 1 before the root: c* is 1 to this resolution
    const next = Math.min(1, c - h / dh);
    if (Math.abs(next - c) <= 1e-14) return next;
    c = next;
  }
  return c;
}

/**
 * The σ_w² with χ₁ = 1 for an activation and σ_b² (the order-to-chaos line): the first doubling of σ_w² from 1e-3
 * where χ₁ reaches 1, then bisection in log σ_w². Climbing from below keeps the search where q* is moderate (for
 * tanh at σ_w² ≫ 1, φ'² is a spike narrower than the rule's node spacing). 0 or Infinity when χ₁ is above 1
 * at 1e-3 or below 1 up to 1e4.
 */
export function criticalSigmaW2(p: Omit<MeanFieldPoint, 'sigmaW2'>, rules: Rules = rulesOf()): number {
  const phi = phiOf(p.activation, p.leakySlope, p.eluAlpha);
  const chi = (sigmaW2: number) => {
    const qs = lengthFixedPoint(phi, sigmaW2, p.sigmaB2, rules.one);
    const q = Math.min(Q_HUGE, Math.max(Q_TINY, qs));
    return sigmaW2 * gaussMean(rules.one, q, (u) => phi.d1(u) ** 2) - 1;
  };
  let lo = 1e-3;
  if (chi(lo) >= 0) return 0;
  let hi = 2 * lo;
  while (chi(hi) < 0) {
    lo = hi;
    hi *= 2;
    if (hi > 1e4) return Infinity;
  }
  // regula falsi on −(χ₁ − 1), which is positive at lo and not at hi
  return illinois((w) => -chi(w), lo, hi, 1e-13);
}
