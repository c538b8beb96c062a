// Per-layer statistics of one step: weight gradient, weights, update, deltas, activations, histograms.
// A step's layer statistics are one flat Float64Array (layers × LAYER_FIELDS), cheap to move and store.
import { canDie, saturationBounds } from './activations.ts';
import type { LayerView } from './model.ts';
import type { Network, Workspace } from './network.ts';
import { FORWARD_SUMS, sumSquares } from './reduce.ts';
import { UPDATE_SUMS } from './update-rules.ts';

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
 * Fills `out` (layers × FIELD_COUNT) after forward and backward of a batch. weightNorm and updateRatio are left NaN
 * (recordUpdate fills them in the pass that applies the step's update); so are the gradient fields when
 * `gradients` is false, for that same pass to fill them (gradientFields) from the raw gradient it reads. `sums` is
 * scratch for the kernels' sums (8 values; pass one allocated per run to allocate nothing here). `forwardSums`: what
 * forward took of the hidden layers' Z and A on this step (network.ts), or null to take them here; `deltaSums`: what
 * backward took of their Σ dZ² (with forwardSums only), or null to take it here.
 */
export function layerStatistics(
  net: Network,
  grads: LayerView[],
  ws: Workspace,
  batch: number,
  out: Float64Array,
  gradients = true,
  sums: Float64Array = new Float64Array(8),
  forwardSums: Float64Array | null = null,
  deltaSums: Float64Array | null = null,
): void {
  const { layers } = net.layout;
  for (let l = 0; l < layers.length; l++) {
    const o = l * FIELD_COUNT;
    if (gradients) {
      net.kernels.moments(grads[l].W, sums);
      gradientFields(out, l, sums[0], sums[1], sums[2], sums[3], grads[l].W);
      out[o + FIELD.biasGradNorm] = Math.sqrt(sumSquares(grads[l].b));
    } else {
      out.fill(Number.NaN, o + FIELD.gradNorm, o + FIELD.biasGradNorm + 1);
    }
    out[o + FIELD.weightNorm] = Number.NaN;
    out[o + FIELD.updateRatio] = Number.NaN;
    // One pass over the layer's (batch, out) buffers for deltas, pre-activations, activations and saturation;
    // std as √(E[x²] − E[x]²), ample for display at float64.
    const { fanOut, activation } = layers[l];
    const len = batch * fanOut;
    const Z = ws.Z[l];
    const bounds = saturationBounds(activation);
    const lo = bounds ? bounds[0] : -Infinity;
    const hi = bounds ? bounds[1] : Infinity;
    // Σd², then s[at …] = [Σz, Σz², Σa, Σa², saturated count]: forward's, or layerSums' into sums[1 …].
    let d2: number;
    let s = sums;
    let at = 1;
    if (forwardSums && l < layers.length - 1) {
      d2 = deltaSums ? deltaSums[l] : net.kernels.sumSquaresWide(ws.dZ[l], len);
      s = forwardSums;
      at = l * FORWARD_SUMS;
    } else {
      net.kernels.layerSums(Z, ws.A[l], ws.dZ[l], len, lo, hi, sums);
      d2 = sums[0];
    }
    const zMean = s[at] / len;
    const aMean = s[at + 2] / len;
    out[o + FIELD.deltaRms] = Math.sqrt(d2 / len);
    out[o + FIELD.preactMean] = zMean;
    out[o + FIELD.preactStd] = Math.sqrt(Math.max(s[at + 1] / len - zMean * zMean, 0));
    out[o + FIELD.actMean] = aMean;
    out[o + FIELD.actStd] = Math.sqrt(Math.max(s[at + 3] / len - aMean * aMean, 0));
    out[o + FIELD.saturatedFrac] = bounds ? s[at + 4] / len : Number.NaN;
    out[o + FIELD.deadFrac] = canDie(activation) ? deadUnits(Z, batch, fanOut) / fanOut : Number.NaN;
  }
}

/** Units of Z (batch, units) whose pre-activation is ≤ 0 (or NaN) for every sample. */
function deadUnits(Z: Float64Array, batch: number, units: number): number {
  let dead = 0;
  for (let u = 0; u < units; u++) {
    let r = 0;
    while (r < batch && !(Z[r * units + u] > 0)) r++;
    if (r === batch) dead++;
  }
  return dead;
}

/** Sets weightNorm = ‖W‖ per layer (when no update is made, e.g. the initialization probe). */
export function weightNorms(params: LayerView[], out: Float64Array): void {
  params.forEach(({ W }, l) => {
    out[l * FIELD_COUNT + FIELD.weightNorm] = Math.sqrt(sumSquares(W));
  });
}

/**
 * Sets layer l's gradient fields from Σg, Σg², min and max of its weight gradient dW (counting non-finite values
 * only when Σg² is not finite: it is finite exactly when every g is, barring overflow of the sum).
 */
export function gradientFields(
  out: Float64Array,
  l: number,
  sum: number,
  sq: number,
  min: number,
  max: number,
  dW: Float64Array,
): void {
  const o = l * FIELD_COUNT;
  const n = dW.length;
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
}

/** Sets layer l's weightNorm = ‖W‖ (before the update) and updateRatio = ‖ΔW‖/‖W‖ from Σw² and Σu². */
export function recordUpdate(out: Float64Array, l: number, w2: number, u2: number): void {
  out[l * FIELD_COUNT + FIELD.weightNorm] = Math.sqrt(w2);
  out[l * FIELD_COUNT + FIELD.updateRatio] = w2 === 0 ? (u2 === 0 ? 0 : Infinity) : Math.sqrt(u2 / w2);
}

/**
 * Every layer's update fields from the sums of a recorded step's update pass over 2 × layers ranges (range 2l is
 * layer l's W, 2l + 1 its b: [Σθ², ΣΔθ², Σg, Σg², min g, max g] each, update-rules.ts), in one call per step; with
 * `grads` (the pass read the raw, unclipped gradient) the gradient fields and biasGradNorm too.
 */
export function updateFields(
  out: Float64Array,
  layers: number,
  sums: Float64Array,
  grads: LayerView[] | null,
): void {
  for (let l = 0; l < layers; l++) {
    const w = 2 * l * UPDATE_SUMS;
    recordUpdate(out, l, sums[w], sums[w + 1]);
    if (!grads) continue;
    gradientFields(out, l, sums[w + 2], sums[w + 3], sums[w + 4], sums[w + 5], grads[l].W);
    out[l * FIELD_COUNT + FIELD.biasGradNorm] = Math.sqrt(sums[w + UPDATE_SUMS + 3]);
  }
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
