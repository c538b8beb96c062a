// The output objectives of the papers' probes, on x_L = Z_L (the output layer's pre-activations): Glorot &
// Bengio's 0.5·mean(x_L²) and He et al.'s random projection mean(x_L ⊙ R), R fixed N(0, 1) and independent
// of the forward signal (their backward-analysis assumption). Neither depends on targets or the output activation.
import { RNG_STREAM, Rng } from './rng.ts';

export type ProbeObjective = 'loss' | 'mean_square' | 'random_projection';
export type OutputObjective = Exclude<ProbeObjective, 'loss'>;

/** R (batch, out) ~ N(0, 1) drawn from `seed` on its own stream. */
export function projection(seed: number, batch: number, out: number): Float64Array {
  const rng = new Rng(seed, RNG_STREAM.probe);
  const R = new Float64Array(batch * out);
  for (let i = 0; i < R.length; i++) R[i] = rng.normal();
  return R;
}

/** f(Z): 0.5·mean(Z²) or mean(Z ⊙ R), means over batch·out. Z and R are (batch, out). */
export function objectiveValue(
  objective: OutputObjective,
  Z: Float64Array,
  R: Float64Array,
  batch: number,
  out: number,
): number {
  const len = batch * out;
  let sum = 0;
  if (objective === 'mean_square') for (let i = 0; i < len; i++) sum += Z[i] * Z[i];
  else for (let i = 0; i < len; i++) sum += Z[i] * R[i];
  return objective === 'mean_square' ? (0.5 * sum) / len : sum / len;
}

/**
 * ∂f/∂Z into dZ (batch, out). Forward was 0.5·mean(Z²), so dZ = Z/(batch·out); or mean(Z ⊙ R), so dZ =
 * R/(batch·out).
 */
export function objectiveBackward(
  objective: OutputObjective,
  Z: Float64Array,
  R: Float64Array,
  dZ: Float64Array,
  batch: number,
  out: number,
): void {
  const len = batch * out;
  const src = objective === 'mean_square' ? Z : R;
  for (let i = 0; i < len; i++) dZ[i] = src[i] / len;
}
