// Output losses, fused with their output activation where that is the numerically stable form.
// All losses are averaged over the batch (and over outputs for BCE and MSE, like PyTorch's 'mean').
import { type ActivationParams, activationBackward, activationForward, softmaxRows } from './activations.ts';
import { exp, log1p } from './elementary.ts';
import type { ActivationName, LossName } from './spec.ts';

/**
 * The output layer's forward: A = f(Z) (softmax row-wise for categorical_cross_entropy). Z, A are (batch, out).
 * `elementwise` is activationForward or a kernel giving the same bits (the run's wasm kernels).
 */
export function outputForward(
  activation: ActivationName,
  Z: Float64Array,
  A: Float64Array,
  batch: number,
  out: number,
  p: ActivationParams,
  elementwise: typeof activationForward = activationForward,
): void {
  if (activation === 'softmax') softmaxRows(Z, A, batch, out);
  else elementwise(activation, Z, A, batch * out, p);
}

/**
 * Σ_i of −[y log σ(z) + (1−y) log(1−σ(z))] = max(z,0) − z·y + log(1 + e^−|z|) (finite for any finite z) over the
 * first len logits Z and labels Y, even and odd i summed apart and then added (the reference of
 * kernels/elementwise.ts's bceLossSum, whose two lanes they are).
 */
export function bceLossSum(Z: Float64Array, Y: Float64Array, len: number): number {
  let even = 0;
  let odd = 0;
  const len2 = len - (len % 2);
  for (let i = 0; i < len2; i += 2) {
    const z = Z[i];
    const w = Z[i + 1];
    even += Math.max(z, 0) - z * Y[i] + log1p(exp(-Math.abs(z)));
    odd += Math.max(w, 0) - w * Y[i + 1] + log1p(exp(-Math.abs(w)));
  }
  if (len2 < len) {
    const z = Z[len2];
    even += Math.max(z, 0) - z * Y[len2] + log1p(exp(-Math.abs(z)));
  }
  return even + odd;
}

/**
 * The data loss of one batch from the output layer's logits Z (and outputs A for MSE). `bceSum` is bceLossSum or a
 * kernel giving the same bits (the run's wasm kernels).
 */
export function lossValue(
  loss: LossName,
  Z: Float64Array,
  A: Float64Array,
  Y: Float64Array,
  batch: number,
  out: number,
  bceSum: typeof bceLossSum = bceLossSum,
): number {
  const len = batch * out;
  let sum = 0;
  switch (loss) {
    case 'binary_cross_entropy':
      return bceSum(Z, Y, len) / len;
    case 'categorical_cross_entropy':
      // −Σ_j y_j log softmax(z)_j = (Σ_j y_j)·logsumexp(z) − Σ_j y_j z_j: one-hot or soft labels y (PyTorch's
      // CrossEntropyLoss with class probabilities)
      for (let r = 0; r < batch; r++) {
        const o = r * out;
        let max = Z[o];
        for (let j = 1; j < out; j++) if (Z[o + j] > max) max = Z[o + j];
        let s = 0;
        let yz = 0;
        let ySum = 0;
        for (let j = 0; j < out; j++) {
          s += exp(Z[o + j] - max);
          yz += Y[o + j] * Z[o + j];
          ySum += Y[o + j];
        }
        sum += ySum * (max + Math.log(s)) - yz;
      }
      return sum / batch;
    case 'mse':
      for (let i = 0; i < len; i++) {
        const d = A[i] - Y[i];
        sum += d * d;
      }
      return sum / len;
  }
}

/**
 * dZ of the output layer, i.e. ∂loss/∂Z, written into dZ (batch, out).
 * BCE: forward was mean(σ(z) loss) ⇒ dZ = (σ(z) − y)/(batch·out). CCE: forward was (Σy)·lse(z) − y·z ⇒
 * dZ = ((Σy)·softmax(z) − y)/batch, i.e. (softmax(z) − y)/batch for probabilities.
 * MSE: forward was mean((A − y)²) ⇒ dA = 2(A − y)/(batch·out), then back through f.
 * `scratch` holds dA for MSE (batch·out values).
 */
export function lossBackward(
  loss: LossName,
  activation: ActivationName,
  Z: Float64Array,
  A: Float64Array,
  Y: Float64Array,
  dZ: Float64Array,
  scratch: Float64Array,
  batch: number,
  out: number,
  p: ActivationParams,
): void {
  const len = batch * out;
  switch (loss) {
    case 'binary_cross_entropy': {
      const scale = 1 / len;
      for (let i = 0; i < len; i++) dZ[i] = (A[i] - Y[i]) * scale;
      return;
    }
    case 'categorical_cross_entropy': {
      const scale = 1 / batch;
      for (let r = 0; r < batch; r++) {
        const o = r * out;
        let ySum = 0;
        for (let j = 0; j < out; j++) ySum += Y[o + j];
        for (let j = 0; j < out; j++) dZ[o + j] = (ySum * A[o + j] - Y[o + j]) * scale;
      }
      return;
    }
    case 'mse': {
      const scale = 2 / len;
      for (let i = 0; i < len; i++) scratch[i] = (A[i] - Y[i]) * scale;
      activationBackward(activation, Z, A, scratch, dZ, len, p);
      return;
    }
  }
}

/** The output activation a loss requires, or null when any activation goes (MSE). */
export function requiredOutputActivation(loss: LossName): ActivationName | null {
  if (loss === 'binary_cross_entropy') return 'sigmoid';
  if (loss === 'categorical_cross_entropy') return 'softmax';
  return null;
}
