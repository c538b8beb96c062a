// The initialization probe (Glorot & Bengio; He et al.): forward and backward statistics per layer at
// initialization on one batch, without training.
import { type Diagnosis, diagnose } from './diagnosis.ts';
import type { LsuvLayerReport } from './lsuv.ts';
import { type Layout, viewsOf } from './model.ts';
import {
  backpropagate,
  backward,
  batchLoss,
  createWorkspace,
  forward,
  l2Penalty,
  workspaceSize,
} from './network.ts';
import { objectiveBackward, objectiveValue, type ProbeObjective, projection } from './probe-objectives.ts';
import type { ProbeRunSpec } from './run-spec.ts';
import { prepare } from './setup.ts';
import { DEFAULTS } from './spec.ts';
import { FIELD_COUNT, histogram, histogramStride, layerStatistics, weightNorms } from './stats.ts';

export interface ProbeOutcome {
  batch: number;
  /** The network's loss on the batch. */
  loss: number;
  /** What the backward pass differentiated, and its value (the loss for 'loss'). */
  objective: ProbeObjective;
  objectiveValue: number;
  /** (layers, FIELD_COUNT) statistics at initialization; updateRatio is NaN. */
  layers: Float64Array;
  /** (layers, bins + 2) histograms [lo, hi, counts…] of activations and of weight gradients. */
  activationHistograms: Float64Array;
  gradientHistograms: Float64Array;
  bins: number;
  diagnosis: Diagnosis;
  layout: Layout;
  initialTheta: Float64Array;
  lsuv: LsuvLayerReport[] | null;
}

const PROBE_BATCH = 256;

/** Samples in the probe batch out of `trainRows` training samples. */
export function probeBatchOf(spec: ProbeRunSpec, trainRows: number): number {
  return Math.min(spec.batchSize ?? PROBE_BATCH, trainRows);
}

/**
 * Float64 values a probe holds at once, from the buffers runProbe allocates: θ, its gradient, the initial copy
 * returned and the worker's copy of it for storage (4 × parameters), the workspace, and the histograms.
 */
export function probeFootprint(layout: Layout, batch: number, bins: number = DEFAULTS.histogramBins): number {
  return 4 * layout.size + workspaceSize(layout, batch) + 2 * layout.layers.length * histogramStride(bins);
}

export function runProbe(spec: ProbeRunSpec): ProbeOutcome {
  const { net, theta, params, train, trainY, lsuv } = prepare(spec);
  const { layout } = net;
  const L = layout.layers.length;
  const batch = probeBatchOf(spec, train.n);
  const X = train.x.subarray(0, batch * layout.inputSize);
  const Y = trainY.subarray(0, batch * layout.outputSize);
  const ws = createWorkspace(layout, batch);
  const grad = new Float64Array(layout.size);
  const grads = viewsOf(layout, grad);
  forward(net, params, X, batch, ws);
  const loss = batchLoss(net, params, Y, batch, ws);
  const objective = spec.objective ?? 'loss';
  let value = loss;
  if (objective === 'loss') backward(net, params, grads, X, Y, batch, ws);
  else {
    // f(x_L) on the output layer's pre-activations Z_L (batch, out), then back through every layer.
    const last = L - 1;
    const R = projection(spec.init.seed ?? 0, batch, layout.outputSize);
    value =
      objectiveValue(objective, ws.Z[last], R, batch, layout.outputSize) + l2Penalty(net, params, batch);
    objectiveBackward(objective, ws.Z[last], R, ws.dZ[last], batch, layout.outputSize);
    backpropagate(net, params, grads, X, batch, ws);
  }
  const layers = new Float64Array(L * FIELD_COUNT);
  layerStatistics(net, grads, ws, batch, layers);
  weightNorms(params, layers);
  const bins = spec.histograms?.bins ?? DEFAULTS.histogramBins;
  const logScale = spec.histograms?.logScale ?? false;
  const stride = histogramStride(bins);
  const activationHistograms = new Float64Array(L * stride);
  const gradientHistograms = new Float64Array(L * stride);
  layout.layers.forEach((shape, l) => {
    histogram(
      ws.A[l].subarray(0, batch * shape.fanOut),
      { bins, logScale: false },
      activationHistograms,
      l * stride,
    );
    histogram(grads[l].W, { bins, logScale }, gradientHistograms, l * stride);
  });
  return {
    batch,
    loss,
    objective,
    objectiveValue: value,
    layers,
    activationHistograms,
    gradientHistograms,
    bins,
    diagnosis: diagnose(layers, L, 0),
    layout,
    initialTheta: theta.slice(),
    lsuv,
  };
}
