// The input–output Jacobian ∂Z_L/∂x at initialization (Pennington et al. 2017): the product of per-layer D·W at
// one sample, its singular values, their histogram and summary.
import { type ActivationParams, activationBackward } from './activations.ts';
import { gemmAB } from './matmul.ts';
import type { LayerView, Layout } from './model.ts';
import type { Network, Workspace } from './network.ts';
import type { ActivationName } from './spec.ts';
import { histogram, histogramStride } from './stats.ts';
import { singularValues } from './svd.ts';

export interface Spectrum {
  /** Singular values of ∂Z_L/∂x (outputSize, inputSize) at the sample, descending. */
  singularValues: Float64Array;
  max: number;
  min: number;
  /** Mean of σ²: (1/k)·‖J‖_F², the mean squared singular value. */
  meanSquare: number;
  /** Fraction of the singular values within a factor 2 of 1 (σ ∈ [½, 2]): dynamical isometry is 1. */
  fractionNearOne: number;
  /** [lo, hi, counts…] of log10 σ (bins + 2 values; zeros left out). */
  histogram: Float64Array;
}

/** The largest layer width the spectrum is computed for: the product and the SVD cost ~L·n³ and ~10·n³. */
export const MAX_SPECTRUM_WIDTH = 512;
/**
 * The most multiply-adds (spectrumWork) a probe spends on its spectrum. He et al.'s 11 × 256 ReLU probe counts
 * 4.2e8 and took 2.6 s on the loaded 2-vCPU machine (a forward pass of its 1024-sample batch: 1.1 s): ill-conditioned
 * Jacobians need more Jacobi sweeps than the estimate's 10.
 */
export const MAX_SPECTRUM_WORK = 1e9;

/** Multiply-adds of the Jacobian product Σ_l n_l·n_{l−1}·n_0 plus ~10 Jacobi sweeps of k²/2 pairs × 3m. */
export function spectrumWork(layout: Layout): number {
  const n0 = layout.inputSize;
  let work = 0;
  for (let l = 1; l < layout.layers.length; l++)
    work += layout.layers[l].fanOut * layout.layers[l].fanIn * n0;
  const k = Math.min(n0, layout.outputSize);
  const m = Math.max(n0, layout.outputSize);
  return work + 10 * (k * k * 0.5) * 3 * m;
}

export interface JacobianInput {
  layout: Layout;
  activations: ActivationName[];
  params: LayerView[];
  /** Pre-activations Z_l and activations A_l of the forward pass, (batch, fanOut) each; row `sample` is used. */
  Z: Float64Array[];
  A: Float64Array[];
  sample: number;
  activationParams: ActivationParams;
}

/**
 * J = W_L·D_{L−1}·W_{L−1} ⋯ D_1·W_1, (outputSize, inputSize), with D_l = diag φ_l'(Z_l[sample]): the Jacobian of
 * the last layer's pre-activations (the logits, so no softmax) with respect to the input.
 */
export function inputOutputJacobian(input: JacobianInput): Float64Array {
  const { layout, activations, params, Z, A, sample, activationParams } = input;
  const n0 = layout.inputSize;
  let J = params[0].W.slice(); // (n_1, n_0)
  for (let l = 1; l < layout.layers.length; l++) {
    const prev = layout.layers[l - 1].fanOut;
    // D_{l−1} = φ'(Z_{l−1}) at the sample, through the activation's own backward with dA = 1
    const z = Z[l - 1].subarray(sample * prev, (sample + 1) * prev);
    const a = A[l - 1].subarray(sample * prev, (sample + 1) * prev);
    const d = new Float64Array(prev);
    activationBackward(activations[l - 1], z, a, new Float64Array(prev).fill(1), d, prev, activationParams);
    for (let i = 0; i < prev; i++) for (let j = 0; j < n0; j++) J[i * n0 + j] *= d[i];
    const next = new Float64Array(layout.layers[l].fanOut * n0);
    gemmAB(params[l].W, J, next, layout.layers[l].fanOut, n0, prev); // (n_l, n_{l−1})·(n_{l−1}, n_0)
    J = next;
  }
  return J;
}

/** Singular values of J (rows, cols) with their summary and a histogram of log10 σ. */
export function spectrumOf(J: Float64Array, rows: number, cols: number, bins: number): Spectrum {
  const sv = singularValues(J, rows, cols);
  let sq = 0;
  let near = 0;
  for (const s of sv) {
    sq += s * s;
    if (s >= 0.5 && s <= 2) near++;
  }
  const hist = new Float64Array(histogramStride(bins));
  histogram(sv, { bins, logScale: true }, hist, 0);
  return {
    singularValues: sv,
    max: sv[0],
    min: sv[sv.length - 1],
    meanSquare: sq / sv.length,
    fractionNearOne: near / sv.length,
    histogram: hist,
  };
}

/**
 * The spectrum of a network after `forward` filled `ws`, at batch row `sample`; null when a layer or the input is
 * wider than MAX_SPECTRUM_WIDTH or the work is over MAX_SPECTRUM_WORK (the cost grows as the cube of the width).
 */
export function jacobianSpectrum(
  net: Network,
  params: LayerView[],
  ws: Workspace,
  sample: number,
  bins: number,
): Spectrum | null {
  const { layout } = net;
  if (
    Math.max(layout.inputSize, layout.maxWidth) > MAX_SPECTRUM_WIDTH ||
    spectrumWork(layout) > MAX_SPECTRUM_WORK
  )
    return null;
  const J = inputOutputJacobian({
    layout,
    activations: net.spec.layers.map((l) => l.activation),
    params,
    Z: ws.Z,
    A: ws.A,
    sample,
    activationParams: net.act,
  });
  return spectrumOf(J, layout.outputSize, layout.inputSize, bins);
}
