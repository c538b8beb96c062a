// The initialization probe (Glorot & Bengio; He et al.): forward and backward statistics per layer at
// initialization on one batch, without training.
import { type Diagnosis, diagnose } from './diagnosis.ts';
import type { LsuvLayerReport } from './lsuv.ts';
import { type Layout, viewsOf } from './model.ts';
import { backward, batchLoss, createWorkspace, forward } from './network.ts';
import type { ProbeRunSpec } from './run-spec.ts';
import { prepare } from './setup.ts';
import { DEFAULTS } from './spec.ts';
import { FIELD_COUNT, histogram, histogramStride, layerStatistics, weightNorms } from './stats.ts';

export interface ProbeOutcome {
  batch: number;
  loss: number;
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

export function runProbe(spec: ProbeRunSpec): ProbeOutcome {
  const { net, theta, params, train, trainY, lsuv } = prepare(spec);
  const { layout } = net;
  const L = layout.layers.length;
  const batch = Math.min(spec.batchSize ?? PROBE_BATCH, train.n);
  const X = train.x.subarray(0, batch * layout.inputSize);
  const Y = trainY.subarray(0, batch * layout.outputSize);
  const ws = createWorkspace(layout, batch);
  const grad = new Float64Array(layout.size);
  const grads = viewsOf(layout, grad);
  forward(net, params, X, batch, ws);
  const loss = batchLoss(net, params, Y, batch, ws);
  backward(net, params, grads, X, Y, batch, ws);
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
