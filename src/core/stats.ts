// Per-layer statistics of one step: weight gradient, weights, update, deltas, activations, histograms.
// A step's layer statistics are one flat Float64Array (layers × LAYER_FIELDS), cheap to move and store.
import { canDie, saturationBounds } from './activations.ts';
import type { LayerView } from './model.ts';
import type { Network, Workspace } from './network.ts';
import { moments, sumSquares } from './reduce.ts';

/** Field order of the per-layer record. NaN means "not applicable" (e.g. deadFrac of a tanh layer). */
export const LAYER_FIELDS = [
  'gradNorm', // ‖dW‖₂
  'gradRms', // √(mean dW²)
  'gradMean',
  'gradStd',
  'gradMin',
  'gradMax',
  'gradAbsMax',
  'gradNonFinite', // count of NaN/±Infinity in dW
  'biasGradNorm', // ‖db‖₂ (0 without bias)
  'weightNorm', // ‖W‖₂ before the update
  'updateRatio', // ‖ΔW‖₂ / ‖W‖₂ of this step's update (NaN when no update was made)
  'deltaRms', // RMS of ∂loss/∂Z: the gradient signal flowing back through the layer
  'preactMean',
  'preactStd',
  'actMean',
  'actStd',
  'saturatedFrac', // tanh/sigmoid: fraction of activations with |tanh| > 0.99, σ ∉ [0.01, 0.99]
  'deadFrac', // ReLU family: fraction of units with Z ≤ 0 for the whole batch
] as const;
export type LayerField = (typeof LAYER_FIELDS)[number];
export const FIELD_COUNT = LAYER_FIELDS.length;
export const FIELD: { [K in LayerField]: number } = Object.fromEntries(
  LAYER_FIELDS.map((f, i) => [f, i]),
) as {
  [K in LayerField]: number;
};

/**
 * Fills `out` (layers × FIELD_COUNT) after forward and backward of a batch, from the raw (unclipped)
 * gradients. updateRatio is left NaN: `applyUpdateWithStats` fills it once the step's update is known.
 */
export function layerStatistics(
  net: Network,
  grads: LayerView[],
  ws: Workspace,
  batch: number,
  out: Float64Array,
): void {
  net.layout.layers.forEach((shape, l) => {
    const o = l * FIELD_COUNT;
    const dW = grads[l].W;
    const n = dW.length;
    const { sum, sumSquares: sq, min, max } = moments(dW);
    // Σg² is finite exactly when every g is (barring overflow of the sum): count only then.
    let nonFinite = 0;
    if (!Number.isFinite(sq)) for (let i = 0; i < n; i++) if (!Number.isFinite(dW[i])) nonFinite++;
    const mean = sum / n;
    out[o + FIELD.gradNorm] = Math.sqrt(sq);
    out[o + FIELD.gradRms] = Math.sqrt(sq / n);
    out[o + FIELD.gradMean] = mean;
    out[o + FIELD.gradStd] = Math.sqrt(Math.max(sq / n - mean * mean, 0));
    out[o + FIELD.gradMin] = min;
    out[o + FIELD.gradMax] = max;
    out[o + FIELD.gradAbsMax] = Math.max(Math.abs(min), Math.abs(max));
    out[o + FIELD.gradNonFinite] = nonFinite;
    out[o + FIELD.biasGradNorm] = Math.sqrt(sumSquares(grads[l].b));
    out[o + FIELD.weightNorm] = Number.NaN;
    out[o + FIELD.updateRatio] = Number.NaN;
    // One pass over the layer's (batch, out) buffers for deltas, pre-activations, activations and
    // saturation, two elements at a time into two sets of sums (halving the add-latency chains);
    // std as √(E[x²] − E[x]²), ample for display at float64.
    const len = batch * shape.fanOut;
    const { fanOut, activation } = shape;
    const Z = ws.Z[l];
    const A = ws.A[l];
    const dZ = ws.dZ[l];
    const bounds = saturationBounds(activation);
    const lo = bounds ? bounds[0] : -Infinity;
    const hi = bounds ? bounds[1] : Infinity;
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
    d2 += e2;
    zs += ys;
    z2 += y2;
    as += bs;
    a2 += b2;
    const zMean = zs / len;
    const aMean = as / len;
    out[o + FIELD.deltaRms] = Math.sqrt(d2 / len);
    out[o + FIELD.preactMean] = zMean;
    out[o + FIELD.preactStd] = Math.sqrt(Math.max(z2 / len - zMean * zMean, 0));
    out[o + FIELD.actMean] = aMean;
    out[o + FIELD.actStd] = Math.sqrt(Math.max(a2 / len - aMean * aMean, 0));
    out[o + FIELD.saturatedFrac] = bounds ? sat / len : Number.NaN;
    if (canDie(activation)) {
      let dead = 0;
      for (let u = 0; u < fanOut; u++) {
        let r = 0;
        while (r < batch && !(Z[r * fanOut + u] > 0)) r++;
        if (r === batch) dead++;
      }
      out[o + FIELD.deadFrac] = dead / fanOut;
    } else {
      out[o + FIELD.deadFrac] = Number.NaN;
    }
  });
}

/** Sets weightNorm = ‖W‖ per layer (when no update is made, e.g. the initialization probe). */
export function weightNorms(params: LayerView[], out: Float64Array): void {
  params.forEach(({ W }, l) => {
    out[l * FIELD_COUNT + FIELD.weightNorm] = Math.sqrt(sumSquares(W));
  });
}

/**
 * Applies θ += Δθ and, in the same pass, sets weightNorm = ‖W‖ (before the update) and
 * updateRatio = ‖ΔW‖/‖W‖ per layer into `out` (one pass over θ and Δθ instead of three).
 */
export function applyUpdateWithStats(params: LayerView[], updates: LayerView[], out: Float64Array): void {
  params.forEach(({ W, b }, l) => {
    const dW = updates[l].W;
    let w2 = 0;
    let u2 = 0;
    for (let i = 0; i < W.length; i++) {
      const w = W[i];
      const u = dW[i];
      w2 += w * w;
      u2 += u * u;
      W[i] = w + u;
    }
    const db = updates[l].b;
    for (let i = 0; i < b.length; i++) b[i] += db[i];
    out[l * FIELD_COUNT + FIELD.weightNorm] = Math.sqrt(w2);
    out[l * FIELD_COUNT + FIELD.updateRatio] = w2 === 0 ? (u2 === 0 ? 0 : Infinity) : Math.sqrt(u2 / w2);
  });
}

/** One layer's record as a plain object (for JSON answers). */
export function layerRecordToObject(record: Float64Array, layer: number): Record<LayerField, number | null> {
  const o = layer * FIELD_COUNT;
  const entries = LAYER_FIELDS.map((f, i) => [f, Number.isNaN(record[o + i]) ? null : record[o + i]]);
  return Object.fromEntries(entries) as Record<LayerField, number | null>;
}

export interface HistogramOptions {
  bins: number;
  /** Bin log10|g| instead of g (exact zeros are then left out of the counts). */
  logScale: boolean;
}

/** Values per layer in a histogram record: [lo, hi, count_0 … count_{bins−1}]. */
export function histogramStride(bins: number): number {
  return bins + 2;
}

/** Histogram of `values` into out[offset …] as [lo, hi, counts…], over the values' own range. */
export function histogram(
  values: Float64Array,
  opts: HistogramOptions,
  out: Float64Array,
  offset: number,
): void {
  const { bins, logScale } = opts;
  const tx = logScale ? (v: number) => (v === 0 ? Number.NaN : Math.log10(Math.abs(v))) : (v: number) => v;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    const t = tx(v);
    if (!Number.isFinite(t)) continue;
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  out.fill(0, offset, offset + bins + 2);
  if (lo === Infinity) {
    out[offset] = Number.NaN;
    out[offset + 1] = Number.NaN;
    return;
  }
  if (hi === lo) hi = lo + 1e-12 + Math.abs(lo) * 1e-9;
  out[offset] = lo;
  out[offset + 1] = hi;
  const scale = bins / (hi - lo);
  for (const v of values) {
    const t = tx(v);
    if (!Number.isFinite(t)) continue;
    const b = Math.min(bins - 1, Math.floor((t - lo) * scale));
    out[offset + 2 + b]++;
  }
}
