// The `normal` data source: features ~ N(0, σ²) with targets chosen to go with them (zero, random labels, random
// regression), the inputs of Glorot & Bengio's and He et al.'s probes, where nothing is fitted.
import type { Dataset } from './dataset.ts';
import type { Rng } from './rng.ts';

export type NormalTargets = 'zeros' | 'labels' | 'regression';

/**
 * x (n, features) ~ N(0, std²) drawn first, row by row; then the targets:
 * - 'zeros': y (n, outputs) = 0 (regression targets; with mse the loss is mean(x_L²));
 * - 'labels': y (n) uniform class indices in 0..classes−1, independent of x;
 * - 'regression': y (n, outputs) ~ N(0, 1), independent of x.
 */
export function normal(
  rng: Rng,
  n: number,
  features: number,
  std: number,
  targets: NormalTargets,
  outputs: number,
  classes: number,
): Dataset {
  const labels = targets === 'labels';
  const targetSize = labels ? 1 : outputs;
  const x = new Float64Array(n * features);
  for (let k = 0; k < x.length; k++) x[k] = std * rng.normal();
  const y = new Float64Array(n * targetSize);
  if (labels) for (let i = 0; i < n; i++) y[i] = rng.int(classes);
  else if (targets === 'regression') for (let k = 0; k < y.length; k++) y[k] = rng.normal();
  return { n, inputSize: features, x, targetSize, y, classes: labels ? classes : 0 };
}
