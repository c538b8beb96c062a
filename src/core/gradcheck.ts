// Two-sided numerical gradient check, (f(θ+ε) − f(θ−ε)) / 2ε against backprop, overall and per layer.
// Full mode perturbs every parameter; fast mode a seeded sample of them plus random directions.

import { viewsOf } from './model.ts';
import { backward, batchLoss, createWorkspace, forward, type Network } from './network.ts';
import { RNG_STREAM, Rng } from './rng.ts';
import { DEFAULTS } from './spec.ts';

export type GradCheckVerdict = 'pass' | 'warn' | 'fail';

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
      options.sampleSize ?? 200,
      new Rng(options.seed ?? 0, RNG_STREAM.gradcheck),
    );

  const numeric = new Float64Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    const saved = theta[i];
    theta[i] = saved + eps;
    const plus = lossAt();
    theta[i] = saved - eps;
    const minus = lossAt();
    theta[i] = saved;
    numeric[k] = (plus - minus) / (2 * eps);
  }

  // Group by layer and W/b, and keep every per-parameter difference for the worst list.
  const groups = layout.layers.map((l) => ({
    W: { d2: 0, g2: 0, n2: 0, checked: 0, total: l.fanIn * l.fanOut },
    b: { d2: 0, g2: 0, n2: 0, checked: 0, total: l.hasBias ? l.fanOut : 0 },
  }));
  let d2 = 0;
  let g2 = 0;
  let n2 = 0;
  const all: ParamDifference[] = [];
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
  const directions = mode === 'fast' ? (options.directions ?? 10) : 0;
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
  const { verdict, message } = verdictOf(worstOf);
  return {
    mode,
    epsilon: eps,
    difference: overall,
    verdict,
    message,
    layers: groups.map((g, layer) => ({ layer, W: toGroup(g.W), b: toGroup(g.b) })),
    directionalDifference,
    worst: all.slice(0, options.worst ?? 10),
    cost: {
      parameters: layout.size,
      checkedParameters: indices.length,
      directions,
      lossEvaluations: evaluations,
    },
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
