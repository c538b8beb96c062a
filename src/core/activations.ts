// Element-wise activations: each forward next to its backward, over flat (batch, units) buffers. These are the
// plain TypeScript reference of kernels/elementwise.ts (same bits: the functions come from elementary.ts).
// softmax is not here: it only exists fused with categorical cross-entropy (see losses.ts).
import { elu, exp, sigmoid, softplus, tanh } from './elementary.ts';
import { forwardSums, sumSquaresWide } from './reduce.ts';
import type { ActivationName } from './spec.ts';

export interface ActivationParams {
  leakySlope: number;
  eluAlpha: number;
}

/** A[i] = f(Z[i]) for i < len. Z and A are (batch, units) flattened; they may not alias. */
export function activationForward(
  name: ActivationName,
  Z: Float64Array,
  A: Float64Array,
  len: number,
  p: ActivationParams,
): void {
  switch (name) {
    case 'linear':
      for (let i = 0; i < len; i++) A[i] = Z[i];
      return;
    case 'sigmoid':
      for (let i = 0; i < len; i++) A[i] = sigmoid(Z[i]);
      return;
    case 'tanh':
      for (let i = 0; i < len; i++) A[i] = tanh(Z[i]);
      return;
    case 'relu':
      for (let i = 0; i < len; i++) A[i] = Z[i] > 0 ? Z[i] : 0;
      return;
    case 'leaky_relu':
      for (let i = 0; i < len; i++) A[i] = Z[i] > 0 ? Z[i] : p.leakySlope * Z[i];
      return;
    case 'elu':
      for (let i = 0; i < len; i++) A[i] = elu(Z[i], p.eluAlpha);
      return;
    case 'softplus':
      for (let i = 0; i < len; i++) A[i] = softplus(Z[i]);
      return;
    case 'softmax':
      throw new Error('activationForward: softmax is computed row-wise by softmaxRows');
  }
}

/**
 * activationForward, and into[at … at + 5) the sums a recorded step takes of Z and A (reduce.ts forwardSums: Σz,
 * Σz², Σa, Σa², count of a outside [lo, hi]); the WASM kernel computes both in one pass, with the same bits.
 */
export function activationForwardSums(
  name: ActivationName,
  Z: Float64Array,
  A: Float64Array,
  len: number,
  p: ActivationParams,
  lo: number,
  hi: number,
  into: Float64Array,
  at: number,
): void {
  activationForward(name, Z, A, len, p);
  forwardSums(Z, A, len, lo, hi, into, at);
}

/**
 * activationBackward, returning Σ dZ[i]² of i < len (reduce.ts sumSquaresWide: a recorded step's Σd² of a hidden
 * layer); the WASM kernel takes it in the same pass, with the same bits.
 */
export function activationBackwardSums(
  name: ActivationName,
  Z: Float64Array,
  A: Float64Array,
  dA: Float64Array,
  dZ: Float64Array,
  len: number,
  p: ActivationParams,
): number {
  activationBackward(name, Z, A, dA, dZ, len, p);
  return sumSquaresWide(dZ, len);
}

/**
 * dZ[i] = dA[i] · f'(Z[i]) for i < len. Uses the forward output A where it is cheaper:
 * the forward was A = f(Z), so f' is restated in terms of A (σ' = A(1−A), tanh' = 1−A²).
 */
export function activationBackward(
  name: ActivationName,
  Z: Float64Array,
  A: Float64Array,
  dA: Float64Array,
  dZ: Float64Array,
  len: number,
  p: ActivationParams,
): void {
  switch (name) {
    case 'linear':
      // forward: A = Z, so dZ = dA
      for (let i = 0; i < len; i++) dZ[i] = dA[i];
      return;
    case 'sigmoid':
      // forward: A = σ(Z), so dZ = dA · A(1 − A)
      for (let i = 0; i < len; i++) dZ[i] = dA[i] * A[i] * (1 - A[i]);
      return;
    case 'tanh':
      // forward: A = tanh(Z), so dZ = dA · (1 − A²)
      for (let i = 0; i < len; i++) dZ[i] = dA[i] * (1 - A[i] * A[i]);
      return;
    case 'relu':
      // forward: A = max(Z, 0), so dZ = dA where Z > 0, else 0 (PyTorch's choice at Z = 0)
      for (let i = 0; i < len; i++) dZ[i] = Z[i] > 0 ? dA[i] : 0;
      return;
    case 'leaky_relu':
      // forward: A = Z if Z > 0 else slope·Z
      for (let i = 0; i < len; i++) dZ[i] = Z[i] > 0 ? dA[i] : p.leakySlope * dA[i];
      return;
    case 'elu':
      // forward: A = Z if Z > 0 else α(e^Z − 1), so the negative side's slope is α·e^Z = A + α
      for (let i = 0; i < len; i++) dZ[i] = Z[i] > 0 ? dA[i] : dA[i] * (A[i] + p.eluAlpha);
      return;
    case 'softplus':
      // forward: A = log(1 + e^Z), so dZ = dA · σ(Z)
      for (let i = 0; i < len; i++) dZ[i] = dA[i] * sigmoid(Z[i]);
      return;
    case 'softmax':
      throw new Error('activationBackward: softmax only exists fused with categorical_cross_entropy');
  }
}

/** Row-wise softmax of Z (rows, cols) into A, shifted by the row max so no exp overflows. */
export function softmaxRows(Z: Float64Array, A: Float64Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let max = Z[o];
    for (let j = 1; j < cols; j++) if (Z[o + j] > max) max = Z[o + j];
    let sum = 0;
    for (let j = 0; j < cols; j++) {
      const e = exp(Z[o + j] - max);
      A[o + j] = e;
      sum += e;
    }
    for (let j = 0; j < cols; j++) A[o + j] /= sum;
  }
}

/**
 * The flat (saturated) regions of an activation as bounds [lo, hi]: a value outside them is saturated
 * (|tanh| > 0.99, σ ∉ [0.01, 0.99]); null for activations without such regions.
 */
export function saturationBounds(name: ActivationName): readonly [number, number] | null {
  if (name === 'tanh') return TANH_BOUNDS;
  if (name === 'sigmoid') return SIGMOID_BOUNDS;
  return null;
}
// Shared (not a fresh pair per call: statistics ask on every recorded step, per layer).
const TANH_BOUNDS = [-0.99, 0.99] as const;
const SIGMOID_BOUNDS = [0.01, 0.99] as const;

/** The ReLU family: a unit is dead when its pre-activation is ≤ 0 for every sample of the batch. */
export function canDie(name: ActivationName): boolean {
  return name === 'relu' || name === 'leaky_relu' || name === 'elu';
}
