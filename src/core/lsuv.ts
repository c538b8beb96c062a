// LSUV (Mishkin & Matas, "All you need is a good init"): orthonormal start, then, layer by layer from
// the input, rescale W by 1/√Var(Z) on a data batch until |Var(Z) − gain²| < tolerance (at most maxIterations).
import type { LayerView } from './model.ts';
import { createWorkspace, forward, type Network } from './network.ts';
import { DEFAULTS, type InitScheme } from './spec.ts';

export interface LsuvLayerReport {
  layer: number;
  iterations: number;
  /** Var(Z) of the layer's pre-activations on the batch after the last rescale. */
  variance: number;
  converged: boolean;
}

/**
 * Rescales, in place, every layer whose scheme (schemes[l]) is 'lsuv'. X is (batch, in), already
 * orthogonally initialized weights in `params`. Returns one report per LSUV layer.
 */
export function applyLsuv(
  net: Network,
  params: LayerView[],
  schemes: InitScheme[],
  X: Float64Array,
  batch: number,
): LsuvLayerReport[] {
  const ws = createWorkspace(net.layout, batch);
  const reports: LsuvLayerReport[] = [];
  net.layout.layers.forEach((shape, l) => {
    const scheme = schemes[l];
    if (scheme.scheme !== 'lsuv') return;
    const tolerance = scheme.tolerance ?? DEFAULTS.lsuvTolerance;
    const maxIterations = scheme.maxIterations ?? DEFAULTS.lsuvMaxIterations;
    const target = (scheme.gain ?? 1) ** 2;
    const len = batch * shape.fanOut;
    const { W } = params[l];
    let variance = Number.NaN;
    let iterations = 0;
    for (;;) {
      forward(net, params, X, batch, ws);
      variance = varianceOf(ws.Z[l], len);
      if (Math.abs(variance - target) < tolerance || iterations >= maxIterations || !(variance > 0)) break;
      const scale = Math.sqrt(target / variance);
      for (let i = 0; i < W.length; i++) W[i] *= scale;
      iterations++;
    }
    reports.push({ layer: l, iterations, variance, converged: Math.abs(variance - target) < tolerance });
  });
  return reports;
}

function varianceOf(x: Float64Array, len: number): number {
  let s = 0;
  for (let i = 0; i < len; i++) s += x[i];
  const mean = s / len;
  let v = 0;
  for (let i = 0; i < len; i++) v += (x[i] - mean) ** 2;
  return v / len;
}
