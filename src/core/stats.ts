// Per-layer statistics of one step: weight gradient, weights, update, deltas, activations, histograms.
// A step's layer statistics are one flat Float64Array (layers × LAYER_FIELDS), cheap to move and store.
import { canDie, saturationBounds } from './activations.ts';
import type { LayerView } from './model.ts';
import type { Network, Workspace } from './network.ts';

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
export const FIELD: { [K in LayerField]: number } = Object.fromEntries(LAYER_FIELDS.map((f, i) => [f, i])) as {
  [K in LayerField]: number;
};

/**
 * Fills `out` (layers × FIELD_COUNT) after forward and backward of a batch, from the raw (unclipped)
 * gradients. updateRatio is left NaN: `updateRatios` fills it once the step's update is known.
 */
export function layerStatistics(
  net: Network,
  params: LayerView[],
  grads: LayerView[],
  ws: Workspace,
  batch: number,
  out: Float64Array,
): void {
  net.layout.layers.forEach((shape, l) => {
    const o = l * FIELD_COUNT;
    const dW = grads[l].W;
    const n = dW.length;
    let sum = 0;
    let sq = 0;
    let min = Infinity;
    let max = -Infinity;
    let nonFinite = 0;
    for (let i = 0; i < n; i++) {
      const g = dW[i];
      if (!Number.isFinite(g)) nonFinite++;
      sum += g;
      sq += g * g;
      if (g < min) min = g;
      if (g > max) max = g;
    }
    const mean = sum / n;
    out[o + FIELD.gradNorm] = Math.sqrt(sq);
    out[o + FIELD.gradRms] = Math.sqrt(sq / n);
    out[o + FIELD.gradMean] = mean;
    out[o + FIELD.gradStd] = Math.sqrt(Math.max(sq / n - mean * mean, 0));
    out[o + FIELD.gradMin] = min;
    out[o + FIELD.gradMax] = max;
    out[o + FIELD.gradAbsMax] = Math.max(Math.abs(min), Math.abs(max));
    out[o + FIELD.gradNonFinite] = nonFinite;
    let b2 = 0;
    for (const g of grads[l].b) b2 += g * g;
    out[o + FIELD.biasGradNorm] = Math.sqrt(b2);
    let w2 = 0;
    for (const w of params[l].W) w2 += w * w;
    out[o + FIELD.weightNorm] = Math.sqrt(w2);
    out[o + FIELD.updateRatio] = Number.NaN;
    // One pass over the layer's (batch, out) buffers for deltas, pre-activations, activations,
    // saturation and dead units; std as √(E[x²] − E[x]²), ample for display at float64.
    const len = batch * shape.fanOut;
    const { fanOut, activation } = shape;
    const Z = ws.Z[l];
    const A = ws.A[l];
    const dZ = ws.dZ[l];
    const bounds = saturationBounds(activation);
    const lo = bounds ? bounds[0] : -Infinity;
    const hi = bounds ? bounds[1] : Infinity;
    const dying = canDie(activation);
    const alive = dying ? new Uint8Array(fanOut) : null;
    let d2 = 0;
    let zs = 0;
    let z2 = 0;
    let as = 0;
    let a2 = 0;
    let sat = 0;
    for (let r = 0, i = 0; r < batch; r++) {
      for (let j = 0; j < fanOut; j++, i++) {
        const z = Z[i];
        const a = A[i];
        const d = dZ[i];
        d2 += d * d;
        zs += z;
        z2 += z * z;
        as += a;
        a2 += a * a;
        if (a < lo || a > hi) sat++;
        if (z > 0 && alive !== null) alive[j] = 1;
      }
    }
    const zMean = zs / len;
    const aMean = as / len;
    out[o + FIELD.deltaRms] = Math.sqrt(d2 / len);
    out[o + FIELD.preactMean] = zMean;
    out[o + FIELD.preactStd] = Math.sqrt(Math.max(z2 / len - zMean * zMean, 0));
    out[o + FIELD.actMean] = aMean;
    out[o + FIELD.actStd] = Math.sqrt(Math.max(a2 / len - aMean * aMean, 0));
    out[o + FIELD.saturatedFrac] = bounds ? sat / len : Number.NaN;
    if (alive) {
      let dead = 0;
      for (let j = 0; j < fanOut; j++) if (alive[j] === 0) dead++;
      out[o + FIELD.deadFrac] = dead / fanOut;
    } else {
      out[o + FIELD.deadFrac] = Number.NaN;
    }
  });
}

/** Sets updateRatio = ‖ΔW‖/‖W‖ per layer in `out` (weights before the update, whose norm is in `out`). */
export function updateRatios(updates: LayerView[], out: Float64Array): void {
  updates.forEach(({ W: dW }, l) => {
    let u2 = 0;
    for (let i = 0; i < dW.length; i++) u2 += dW[i] * dW[i];
    const w = out[l * FIELD_COUNT + FIELD.weightNorm];
    out[l * FIELD_COUNT + FIELD.updateRatio] = w === 0 ? (u2 === 0 ? 0 : Infinity) : Math.sqrt(u2) / w;
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
export function histogram(values: Float64Array, opts: HistogramOptions, out: Float64Array, offset: number): void {
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
