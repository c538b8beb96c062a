// Two-sided numerical gradient check, (f(θ+ε) − f(θ−ε)) / 2ε against backprop, overall and per layer.
// Full mode perturbs every parameter; fast mode a seeded sample of them plus random directions.

import { type Layout, viewsOf } from './model.ts';
import { backward, batchLoss, createWorkspace, forward, type Network, workspaceSize } from './network.ts';
import { RNG_STREAM, Rng } from './rng.ts';
import { DEFAULTS } from './spec.ts';

export type GradCheckVerdict = 'pass' | 'warn' | 'fail';

/**
 * Why a check did not pass: 'truncation' (ε too large: the two-sided difference errs by O(ε²)), 'rounding'
 * (ε too small: f(θ+ε) − f(θ−ε) drowns in float64 rounding of f), 'backprop' (≥ 1e-3 at every ε scanned),
 * 'unclear' (between 1e-7 and 1e-3 at every ε: kinks, precision); null when it passed.
 */
export type GradCheckCause = 'truncation' | 'rounding' | 'backprop' | 'unclear';

export interface GradCheckOptions {
  epsilon?: number;
  mode?: 'full' | 'fast';
  /** Fast mode: parameters checked one by one (a seeded sample, spread over every W and b). */
  sampleSize?: number;
  /** Fast mode: random unit directions u, comparing ∇f·u with (f(θ+εu) − f(θ−εu)) / 2ε. */
  directions?: number;
  /** How many of the worst parameters to report. */
  worst?: number;
  seed?: number;
  /** Check this gradient (e.g. a learner's own backprop) instead of ours; same layout as θ. */
  gradient?: Float64Array;
}

export interface ParamDifference {
  layer: number;
  param: 'W' | 'b';
  /** Row (output unit) and column (input) of W; for b, row is the unit and col is null. */
  row: number;
  col: number | null;
  analytic: number;
  numeric: number;
  /** |g − ĝ| / (|g| + |ĝ|) for this one parameter (0 when both are 0). */
  difference: number;
}

export interface GroupDifference {
  /** ‖g − ĝ‖₂ / (‖g‖₂ + ‖ĝ‖₂) over the checked parameters of this group; null if none checked. */
  difference: number | null;
  checked: number;
  total: number;
}

export interface GradCheckResult {
  mode: 'full' | 'fast';
  epsilon: number;
  /** The course's relative difference over every checked parameter. */
  difference: number;
  verdict: GradCheckVerdict;
  message: string;
  layers: { layer: number; W: GroupDifference; b: GroupDifference }[];
  /** Fast mode: relative difference of the directional derivatives; null in full mode. */
  directionalDifference: number | null;
  /** Null when the check passed; else what the ε scan blames. */
  cause: GradCheckCause | null;
  /** An ε at which the scanned parameters pass, when the difference came from ε; else null. */
  suggestedEpsilon: number | null;
  /** The difference over the worst parameters at ε and at each ε of SCAN_EPSILONS; null when the check passed. */
  epsilonScan: { epsilon: number; difference: number }[] | null;
  worst: ParamDifference[];
  cost: { parameters: number; checkedParameters: number; directions: number; lossEvaluations: number };
}

/** The course's thresholds: < 1e-7 great, up to 1e-3 look carefully, beyond almost surely a bug. */
export function verdictOf(difference: number): { verdict: GradCheckVerdict; message: string } {
  if (!Number.isFinite(difference)) return { verdict: 'fail', message: 'the gradients are not finite' };
  if (difference < 1e-7)
    return { verdict: 'pass', message: 'backprop matches the numerical gradient (< 1e-7)' };
  if (difference < 1e-3) {
    return {
      verdict: 'warn',
      message: 'difference between 1e-7 and 1e-3: look carefully (kinks, ε, precision)',
    };
  }
  return { verdict: 'fail', message: 'difference ≥ 1e-3: backprop almost surely has a bug' };
}

function relative(a: number, b: number): number {
  const den = Math.abs(a) + Math.abs(b);
  return den === 0 ? 0 : Math.abs(a - b) / den;
}

/** ‖a − b‖ / (‖a‖ + ‖b‖) accumulated from squared sums. */
function ratio(diff2: number, a2: number, b2: number): number {
  const den = Math.sqrt(a2) + Math.sqrt(b2);
  return den === 0 ? 0 : Math.sqrt(diff2) / den;
}

/** The ε tried when a check does not pass, on the SCAN_PARAMETERS worst parameters. */
export const SCAN_EPSILONS = [1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10] as const;
const SCAN_PARAMETERS = 20;

/** Most loss evaluations a check of `checked` parameters and `directions` directions may spend, scan included. */
export function gradcheckEvaluations(checked: number, directions: number): number {
  return 2 * (checked + directions) + 1 + 2 * Math.min(SCAN_PARAMETERS, checked) * SCAN_EPSILONS.length;
}

/** Float64 values one ParamDifference report takes (an object of six fields), for footprints. */
const REPORT_VALUES = 8;

/**
 * Float64 values a gradient check holds at once, from what gradientCheck allocates (plus θ and the worker's copy
 * of it for storage): θ ×2, the gradient, the workspace; per checked parameter its index, estimate and report;
 * fast mode's shuffled order of all indices (Int32: ½ per parameter) and, with directions, u and a saved θ.
 */
export function gradcheckFootprint(
  layout: Layout,
  batch: number,
  checked: number,
  directions: number,
): number {
  const sampled = checked < layout.size ? layout.size / 2 : 0;
  const directional = directions > 0 ? 2 * layout.size : 0;
  return (
    3 * layout.size + workspaceSize(layout, batch) + checked * (1.5 + REPORT_VALUES) + sampled + directional
  );
}

/** Checks ∂loss/∂θ at `theta` (restored on return) on the batch X (batch, in), Y (batch, out). */
export function gradientCheck(
  net: Network,
  theta: Float64Array,
  X: Float64Array,
  Y: Float64Array,
  batch: number,
  options: GradCheckOptions = {},
): GradCheckResult {
  const eps = options.epsilon ?? DEFAULTS.gradcheckEpsilon;
  const mode = options.mode ?? 'full';
  const { layout } = net;
  const ws = createWorkspace(layout, batch);
  const params = viewsOf(layout, theta);
  let grad: Float64Array = new Float64Array(layout.size);
  if (options.gradient) {
    if (options.gradient.length !== layout.size) {
      throw new Error(
        `gradientCheck: gradient has ${options.gradient.length} values, the network ${layout.size}`,
      );
    }
    grad = options.gradient;
  } else {
    forward(net, params, X, batch, ws);
    backward(net, params, viewsOf(layout, grad), X, Y, batch, ws);
  }
  let evaluations = 0;
  const lossAt = () => {
    evaluations++;
    forward(net, params, X, batch, ws);
    return batchLoss(net, params, Y, batch, ws);
  };

  // Which parameters to perturb one at a time.
  let indices: Int32Array;
  if (mode === 'full') indices = Int32Array.from({ length: layout.size }, (_, i) => i);
  else
    indices = sampleIndices(
      layout.size,
      options.sampleSize ?? DEFAULTS.gradcheckSampleSize,
      new Rng(options.seed ?? 0, RNG_STREAM.gradcheck),
    );

  /** (f(θ + e·1_i) − f(θ − e·1_i)) / 2e for each i of `at`. */
  const numericAt = (at: ArrayLike<number>, e: number): Float64Array => {
    const out = new Float64Array(at.length);
    for (let k = 0; k < at.length; k++) {
      const i = at[k];
      const saved = theta[i];
      theta[i] = saved + e;
      const plus = lossAt();
      theta[i] = saved - e;
      const minus = lossAt();
      theta[i] = saved;
      out[k] = (plus - minus) / (2 * e);
    }
    return out;
  };
  const numeric = numericAt(indices, eps);

  // Group by layer and W/b, and keep every per-parameter difference for the worst list.
  const groups = layout.layers.map((l) => ({
    W: { d2: 0, g2: 0, n2: 0, checked: 0, total: l.fanIn * l.fanOut },
    b: { d2: 0, g2: 0, n2: 0, checked: 0, total: l.hasBias ? l.fanOut : 0 },
  }));
  let d2 = 0;
  let g2 = 0;
  let n2 = 0;
  const all: (ParamDifference & { index: number })[] = [];
  let layerIndex = 0;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    while (
      i >=
      layout.layers[layerIndex].bOffset +
        (layout.layers[layerIndex].hasBias ? layout.layers[layerIndex].fanOut : 0)
    ) {
      layerIndex++;
    }
    const shape = layout.layers[layerIndex];
    const isW = i < shape.bOffset;
    const group = isW ? groups[layerIndex].W : groups[layerIndex].b;
    const g = grad[i];
    const n = numeric[k];
    const d = g - n;
    group.d2 += d * d;
    group.g2 += g * g;
    group.n2 += n * n;
    group.checked++;
    d2 += d * d;
    g2 += g * g;
    n2 += n * n;
    const local = isW ? i - shape.wOffset : i - shape.bOffset;
    all.push({
      index: i,
      layer: layerIndex,
      param: isW ? 'W' : 'b',
      row: isW ? Math.floor(local / shape.fanIn) : local,
      col: isW ? local % shape.fanIn : null,
      analytic: g,
      numeric: n,
      difference: relative(g, n),
    });
  }
  all.sort((a, b) => Math.abs(b.analytic - b.numeric) - Math.abs(a.analytic - a.numeric));

  let directionalDifference: number | null = null;
  const directions = mode === 'fast' ? (options.directions ?? DEFAULTS.gradcheckDirections) : 0;
  if (directions > 0) {
    const rng = new Rng(options.seed ?? 0, RNG_STREAM.gradcheck + 100);
    const u = new Float64Array(layout.size);
    const saved = Float64Array.from(theta);
    let dd2 = 0;
    let da2 = 0;
    let dn2 = 0;
    for (let t = 0; t < directions; t++) {
      let norm = 0;
      for (let i = 0; i < u.length; i++) {
        u[i] = rng.normal();
        norm += u[i] * u[i];
      }
      norm = Math.sqrt(norm);
      let analytic = 0;
      for (let i = 0; i < u.length; i++) {
        u[i] /= norm;
        analytic += grad[i] * u[i];
      }
      for (let i = 0; i < u.length; i++) theta[i] = saved[i] + eps * u[i];
      const plus = lossAt();
      for (let i = 0; i < u.length; i++) theta[i] = saved[i] - eps * u[i];
      const minus = lossAt();
      theta.set(saved);
      const num = (plus - minus) / (2 * eps);
      dd2 += (analytic - num) ** 2;
      da2 += analytic * analytic;
      dn2 += num * num;
    }
    directionalDifference = ratio(dd2, da2, dn2);
  }

  const toGroup = (g: (typeof groups)[number]['W']): GroupDifference => ({
    difference: g.checked === 0 ? null : ratio(g.d2, g.g2, g.n2),
    checked: g.checked,
    total: g.total,
  });
  const overall = ratio(d2, g2, n2);
  const worstOf = Math.max(overall, directionalDifference ?? 0);
  let judged: Judgement = { ...verdictOf(worstOf), cause: null, suggestedEpsilon: null, epsilonScan: null };
  if (judged.verdict !== 'pass' && Number.isFinite(worstOf) && all.length > 0) {
    // Re-check the worst parameters at every ε of the scan: a difference that ε made moves with ε.
    const scanned = all.slice(0, SCAN_PARAMETERS);
    const at = Int32Array.from(scanned, (p) => p.index);
    const analytic = Float64Array.from(scanned, (p) => p.analytic);
    const f = lossAt();
    const epsilonScan = SCAN_EPSILONS.map((e) => ({
      epsilon: e,
      difference: vectorDifference(
        analytic,
        e === eps ? Float64Array.from(scanned, (p) => p.numeric) : numericAt(at, e),
      ),
    }));
    const atEps = vectorDifference(
      analytic,
      Float64Array.from(scanned, (p) => p.numeric),
    );
    judged = judge(worstOf, overall, eps, atEps, epsilonScan, f);
  }
  return {
    mode,
    epsilon: eps,
    difference: overall,
    ...judged,
    layers: groups.map((g, layer) => ({ layer, W: toGroup(g.W), b: toGroup(g.b) })),
    directionalDifference,
    worst: all.slice(0, options.worst ?? 10).map(({ index: _i, ...p }) => p),
    cost: {
      parameters: layout.size,
      checkedParameters: indices.length,
      directions,
      lossEvaluations: evaluations,
    },
  };
}

interface Judgement {
  verdict: GradCheckVerdict;
  message: string;
  cause: GradCheckCause | null;
  suggestedEpsilon: number | null;
  epsilonScan: { epsilon: number; difference: number }[] | null;
}

/** ‖a − b‖ / (‖a‖ + ‖b‖). */
function vectorDifference(a: Float64Array, b: Float64Array): number {
  let d2 = 0;
  let a2 = 0;
  let b2 = 0;
  for (let k = 0; k < a.length; k++) {
    d2 += (a[k] - b[k]) ** 2;
    a2 += a[k] * a[k];
    b2 += b[k] * b[k];
  }
  return ratio(d2, a2, b2);
}

/** 1e-2, 3.2e-9, 0.36: short, for messages. */
function short(x: number): string {
  return Math.abs(x) >= 1e-3 && Math.abs(x) < 1e3
    ? String(Number(x.toPrecision(2)))
    : x.toExponential(1).replace('.0e', 'e');
}

/**
 * The verdict once the worst parameters were re-checked at every ε of the scan (`atEps`: their difference at the
 * check's own ε). The difference came from ε when some ε of the scan passes where ε did not: truncation error if
 * that ε is smaller, rounding noise (float64 resolves f to about 2^−52·|f|, so the difference quotient carries
 * noise ≈ 2^−52·|f|/ε) if larger. A difference ≥ 1e-3 at every ε is backprop's.
 */
function judge(
  difference: number,
  overall: number,
  eps: number,
  atEps: number,
  scan: { epsilon: number; difference: number }[],
  f: number,
): Judgement {
  const best = scan.reduce((a, b) => (b.difference < a.difference ? b : a));
  const base = { epsilonScan: scan };
  const range = `every ε from ${short(scan[0].epsilon)} to ${short(scan[scan.length - 1].epsilon)}`;
  const at = `${short(difference)} at ε = ${short(eps)}`;
  if (best.difference >= 1e-3) {
    return {
      ...base,
      verdict: 'fail',
      cause: 'backprop',
      suggestedEpsilon: null,
      message:
        `difference ${at}, and ≥ 1e-3 at ${range} on the worst parameters (best ${short(best.difference)} at ` +
        `ε = ${short(best.epsilon)}): backprop almost surely has a bug`,
    };
  }
  const passes = best.difference < 1e-7 && best.epsilon !== eps && best.difference < atEps;
  if (passes && overall === difference) {
    const tooLarge = best.epsilon < eps;
    const noise = (2 ** -52 * Math.abs(f)) / eps;
    const why = tooLarge
      ? `truncation error of the two-sided difference, which shrinks as ε² (ε = ${short(eps)} is too large)`
      : `rounding noise: float64 resolves f (|f| ≈ ${short(Math.abs(f))}) to ≈ ${short(2 ** -52 * Math.abs(f))}, ` +
        `so at ε = ${short(eps)} the difference quotient carries noise ≈ ${short(noise)}`;
    return {
      ...base,
      verdict: 'warn',
      cause: tooLarge ? 'truncation' : 'rounding',
      suggestedEpsilon: best.epsilon,
      message:
        `difference ${at} comes from ε, not backprop: ${why}; the worst parameters pass at ε = ` +
        `${short(best.epsilon)} (${short(best.difference)}): use ε = ${short(best.epsilon)}`,
    };
  }
  return {
    ...base,
    verdict: 'warn',
    cause: 'unclear',
    suggestedEpsilon: null,
    message:
      `difference ${at}; between 1e-7 and 1e-3 at best over ${range} (${short(best.difference)} at ε = ` +
      `${short(best.epsilon)}): look carefully (kinks of relu, precision)`,
  };
}

/** A sorted, seeded sample of `count` distinct indices below `size` (all of them when count ≥ size). */
function sampleIndices(size: number, count: number, rng: Rng): Int32Array {
  if (count >= size) return Int32Array.from({ length: size }, (_, i) => i);
  const order = Int32Array.from({ length: size }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + rng.int(size - i);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order.slice(0, count).sort();
}
