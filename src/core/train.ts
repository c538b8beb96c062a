// The training loop: mini-batches, optimizer steps, clipping, per-step statistics, divergence and cancellation.
// Pure and synchronous: the caller receives records through hooks and decides how to move them.
import { diagnose, type RunDiagnosis, runDiagnosis } from './diagnosis.ts';
import { evaluateDataset } from './evaluate.ts';
import type { LsuvLayerReport } from './lsuv.ts';
import { type Layout, viewsOf } from './model.ts';
import {
  backward,
  batchLoss,
  createWorkspace,
  forward,
  type Network,
  type Workspace,
  workspaceSize,
} from './network.ts';
import { clipGradient, createOptimizer, globalNorm } from './optimizers.ts';
import { RNG_STREAM, Rng } from './rng.ts';
import type { TrainRunSpec } from './run-spec.ts';
import { prepare } from './setup.ts';
import { DEFAULTS } from './spec.ts';
import { applyUpdateWithStats, FIELD_COUNT, histogram, histogramStride, layerStatistics } from './stats.ts';
import { createWasmKernels, jsKernels, wasmSimdAvailable } from './wasm/kernels.ts';

export interface StepRecord {
  step: number;
  /** Loss of this step's batch before its update (data loss + L2 penalty). */
  loss: number;
  /** ‖∇θ‖₂ before clipping. */
  gradNorm: number;
  /** Accuracy over the whole train/test set at this step (evaluated every evalEvery steps), else null. */
  trainAccuracy: number | null;
  testAccuracy: number | null;
  /** (layers, FIELD_COUNT): see LAYER_FIELDS. */
  layers: Float64Array;
  /** (layers, bins + 2) weight-gradient histograms [lo, hi, counts…], or null on steps without. */
  histograms: Float64Array | null;
}

export interface TrainHooks {
  onRecord?(record: StepRecord): void;
  /** Polled before every step: true stops the run as cancelled. */
  shouldStop?(): boolean;
}

export interface Divergence {
  step: number;
  /** 0-based layer where non-finite values first appeared, in the order they are computed. */
  layer: number;
  where: 'forward' | 'loss' | 'backward' | 'weights';
  message: string;
}

export interface TrainOutcome {
  status: 'succeeded' | 'diverged' | 'cancelled';
  totalSteps: number;
  stepsCompleted: number;
  /** After the last update, over the whole sets. */
  final: { loss: number; trainAccuracy: number | null; testAccuracy: number | null; testLoss: number | null };
  divergence: Divergence | null;
  /** At initialization (the first recorded step) and at the last recorded step; null when no step was recorded. */
  diagnosis: RunDiagnosis | null;
  layout: Layout;
  initialTheta: Float64Array;
  finalTheta: Float64Array;
  lsuv: LsuvLayerReport[] | null;
}

/**
 * Accuracy over the whole sets costs a forward pass of each: by default about 200 evaluations per run,
 * on recorded steps (a multiple of `every`).
 */
export function defaultEvalEvery(every: number, totalSteps: number): number {
  return every * Math.max(1, Math.ceil(totalSteps / 200 / every));
}

/** Steps a spec asks for (steps, or epochs × batches per epoch). */
export function plannedSteps(spec: TrainRunSpec, n: number): number {
  const batchSize = Math.min(spec.training.batchSize ?? n, n);
  if (spec.training.epochs !== undefined) return spec.training.epochs * Math.ceil(n / batchSize);
  return spec.training.steps ?? DEFAULTS.steps;
}

export function runTraining(spec: TrainRunSpec, hooks: TrainHooks = {}): TrainOutcome {
  const p = prepare(spec);
  const { layout } = p.net;
  const L = layout.layers.length;
  const initialTheta = p.theta.slice();
  const n = p.train.n;
  const batchSize = Math.min(spec.training.batchSize ?? n, n);
  const totalSteps = plannedSteps(spec, n);
  const telemetry = spec.telemetry ?? {};
  const every = telemetry.every ?? DEFAULTS.telemetryEvery;
  const evalEvery = telemetry.evalEvery ?? defaultEvalEvery(every, totalSteps);
  const hist = telemetry.histograms;
  const bins = hist?.bins ?? DEFAULTS.histogramBins;
  const histEvery = hist?.every ?? every;

  // Every buffer the matrix products touch lives in one arena sized up front (WASM SIMD when available).
  const { inputSize: nIn, outputSize: nOut } = layout;
  const testN = p.test?.n ?? 0;
  const doubles =
    2 * layout.size +
    workspaceSize(layout, batchSize) +
    (n + testN + batchSize) * (nIn + nOut) +
    4 * (3 * L + 10);
  const kernels = wasmSimdAvailable() ? createWasmKernels(doubles) : jsKernels;
  const place = (src: Float64Array) => {
    const dst = kernels.f64(src.length);
    dst.set(src);
    return dst;
  };
  const net = { ...p.net, kernels };
  const theta = place(p.theta);
  const params = viewsOf(layout, theta);
  const train = { ...p.train, x: place(p.train.x) };
  const trainY = place(p.trainY);
  const test = p.test && { ...p.test, x: place(p.test.x) };
  const testY = p.testY && place(p.testY);

  const ws = createWorkspace(layout, batchSize, kernels.f64);
  const grad = kernels.f64(layout.size);
  const update = new Float64Array(layout.size);
  const grads = viewsOf(layout, grad);
  const updates = viewsOf(layout, update);
  const optimizer = createOptimizer(spec.training.optimizer, layout.size);
  const clip = spec.training.clip;
  const trainPredictions = new Float64Array(n * layout.outputSize);
  const testPredictions = test ? new Float64Array(test.n * layout.outputSize) : null;

  // Mini-batches: a seeded permutation per epoch, rows gathered into buffers allocated once.
  const fullBatch = batchSize === n;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const shuffler = new Rng(spec.training.seed ?? 0, RNG_STREAM.shuffle);
  const Xb = fullBatch ? train.x : kernels.f64(batchSize * nIn);
  const Yb = fullBatch ? trainY : kernels.f64(batchSize * nOut);
  let cursor = n;

  let first: StepRecord | null = null;
  let last: StepRecord | null = null;
  let divergence: Divergence | null = null;
  let status: TrainOutcome['status'] = 'succeeded';
  let step = 0;
  for (; step < totalSteps; step++) {
    if (hooks.shouldStop?.()) {
      status = 'cancelled';
      break;
    }
    let batch = batchSize;
    if (!fullBatch) {
      if (cursor >= n) {
        shuffler.shuffle(order);
        cursor = 0;
      }
      batch = Math.min(batchSize, n - cursor);
      gatherRows(train.x, order, cursor, batch, layout.inputSize, Xb);
      gatherRows(trainY, order, cursor, batch, layout.outputSize, Yb);
      cursor += batch;
    }
    forward(net, params, Xb, batch, ws);
    const loss = batchLoss(net, params, Yb, batch, ws);
    grad.fill(0);
    backward(net, params, grads, Xb, Yb, batch, ws);
    const gradNorm = globalNorm(grad);
    const diverged = !Number.isFinite(loss) || !Number.isFinite(gradNorm);
    const isLast = step === totalSteps - 1;
    const recording = diverged || isLast || step % every === 0;
    let record: StepRecord | null = null;
    if (recording) {
      const layers = new Float64Array(L * FIELD_COUNT);
      layerStatistics(net, grads, ws, batch, layers);
      let histograms: Float64Array | null = null;
      if (hist && step % histEvery === 0) {
        const stride = histogramStride(bins);
        histograms = new Float64Array(L * stride);
        const into = histograms;
        grads.forEach((g, l) => {
          histogram(g.W, { bins, logScale: hist.logScale ?? false }, into, l * stride);
        });
      }
      // Evaluation reuses the workspace after the statistics are taken; the update below only needs `grad`.
      const evaluating = !diverged && (isLast || step % evalEvery === 0);
      record = {
        step,
        loss,
        gradNorm,
        trainAccuracy: evaluating
          ? evaluateDataset(net, params, train, trainY, ws, trainPredictions).accuracy
          : null,
        testAccuracy:
          evaluating && test && testY && testPredictions
            ? evaluateDataset(net, params, test, testY, ws, testPredictions).accuracy
            : null,
        layers,
        histograms,
      };
    }
    if (diverged) {
      divergence = locateDivergence(net, ws, grad, batch, step, loss);
      status = 'diverged';
      if (record) emit(record);
      break;
    }
    if (clip) clipGradient(grad, clip);
    optimizer.computeUpdate(grad, update);
    if (record) {
      applyUpdateWithStats(params, updates, record.layers);
      emit(record);
    } else {
      for (let i = 0; i < theta.length; i++) theta[i] += update[i];
    }
  }

  function emit(record: StepRecord) {
    if (!first) first = record;
    last = record;
    hooks.onRecord?.(record);
  }

  const final = finalEvaluation();
  if (status === 'succeeded' && !Number.isFinite(final.loss)) {
    status = 'diverged';
    divergence = {
      step,
      layer: firstNonFiniteLayer(layout, theta),
      where: 'weights',
      message: `the weights became non-finite after the last update (step ${step - 1})`,
    };
  }
  const atInit = first ? diagnose((first as StepRecord).layers, L, (first as StepRecord).step) : null;
  const atEnd =
    last && last !== first
      ? diagnose((last as StepRecord).layers, L, (last as StepRecord).step, 'end')
      : null;
  const diagnosis = runDiagnosis(atInit, atEnd, divergence?.message ?? null);

  return {
    status,
    totalSteps,
    stepsCompleted: step,
    final,
    divergence,
    diagnosis,
    layout,
    initialTheta,
    finalTheta: theta.slice(),
    lsuv: p.lsuv,
  };

  function finalEvaluation(): TrainOutcome['final'] {
    const tr = evaluateDataset(net, params, train, trainY, ws, trainPredictions);
    const te =
      test && testY && testPredictions
        ? evaluateDataset(net, params, test, testY, ws, testPredictions)
        : null;
    return {
      loss: tr.loss,
      trainAccuracy: tr.accuracy,
      testAccuracy: te?.accuracy ?? null,
      testLoss: te?.loss ?? null,
    };
  }
}

function gatherRows(
  src: Float64Array,
  order: Int32Array,
  from: number,
  rows: number,
  width: number,
  dst: Float64Array,
) {
  for (let r = 0; r < rows; r++) {
    const s = order[from + r] * width;
    dst.set(src.subarray(s, s + width), r * width);
  }
}

function hasNonFinite(x: Float64Array, len: number): boolean {
  for (let i = 0; i < len; i++) if (!Number.isFinite(x[i])) return true;
  return false;
}

function firstNonFiniteLayer(layout: Layout, theta: Float64Array): number {
  const views = viewsOf(layout, theta);
  const l = views.findIndex((v) => hasNonFinite(v.W, v.W.length) || hasNonFinite(v.b, v.b.length));
  return Math.max(l, 0);
}

/** Finds where NaN/Infinity first appeared: forward layers 1…L, the loss, then backward L…1. */
function locateDivergence(
  net: Network,
  ws: Workspace,
  grad: Float64Array,
  batch: number,
  step: number,
  loss: number,
): Divergence {
  const layers = net.layout.layers;
  const what = Number.isNaN(loss) ? 'NaN' : !Number.isFinite(loss) ? 'Infinity' : 'a non-finite gradient';
  const head = `diverged at step ${step}: the loss is ${Number.isFinite(loss) ? loss.toPrecision(4) : what}`;
  for (let l = 0; l < layers.length; l++) {
    if (hasNonFinite(ws.Z[l], batch * layers[l].fanOut) || hasNonFinite(ws.A[l], batch * layers[l].fanOut)) {
      return {
        step,
        layer: l,
        where: 'forward',
        message: `${head}; first non-finite values in layer ${l + 1}'s forward pass`,
      };
    }
  }
  if (!Number.isFinite(loss)) {
    return {
      step,
      layer: layers.length - 1,
      where: 'loss',
      message: `${head}; the outputs are finite but the loss overflowed`,
    };
  }
  for (let l = layers.length - 1; l >= 0; l--) {
    const shape = layers[l];
    const dW = grad.subarray(shape.wOffset, shape.bOffset + (shape.hasBias ? shape.fanOut : 0));
    if (hasNonFinite(ws.dZ[l], batch * shape.fanOut) || hasNonFinite(dW, dW.length)) {
      return {
        step,
        layer: l,
        where: 'backward',
        message: `${head}; first non-finite gradient at layer ${l + 1} (backward pass)`,
      };
    }
  }
  return { step, layer: 0, where: 'backward', message: head };
}
