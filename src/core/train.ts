// The training loop: mini-batches, optimizer steps, clipping, per-step statistics, divergence and cancellation.
// Pure and synchronous: the caller receives records through hooks and decides how to move them.
import type { Dataset } from './dataset.ts';
import { accuracy } from './datasets.ts';
import { diagnose, type RunDiagnosis, runDiagnosis } from './diagnosis.ts';
import { evaluateDataset } from './evaluate.ts';
import type { LsuvLayerReport } from './lsuv.ts';
import { type Layout, viewsOf } from './model.ts';
import { backward, batchLoss, createWorkspace, forward, type Network, type Workspace } from './network.ts';
import { allocateOptimizer, clipGradient, createOptimizer, globalNorm } from './optimizers.ts';
import { RecordSlab } from './record-slab.ts';
import { hasHistograms, isRecordedStep, recordingPlan } from './recording.ts';
import { FORWARD_SUMS } from './reduce.ts';
import { RNG_STREAM, Rng } from './rng.ts';
import type { TrainRunSpec } from './run-spec.ts';
import { type Prepared, prepare } from './setup.ts';
import { DEFAULTS } from './spec.ts';
import { FIELD_COUNT, histogram, histogramStride, layerStatistics, updateFields } from './stats.ts';
import { UPDATE_SUMS } from './update-rules.ts';
import type { GemmThreads } from './wasm/gemm-split.ts';
import { arenaSize, createWasmKernels, jsKernels, wasmSimdAvailable } from './wasm/kernels.ts';

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
  /** A second thread for the large matrix products, when the caller can lend one (WASM kernels only). */
  threads?: GemmThreads;
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

/** Steps a spec asks for (steps, or epochs × batches per epoch). */
export function plannedSteps(spec: TrainRunSpec, n: number): number {
  const batchSize = Math.min(spec.training.batchSize ?? n, n);
  if (spec.training.epochs !== undefined) return spec.training.epochs * Math.ceil(n / batchSize);
  return spec.training.steps ?? DEFAULTS.steps;
}

/** The buffers the kernels touch, from one arena sized by this same list (see arenaSize). */
function allocateBuffers(
  p: Prepared,
  spec: TrainRunSpec,
  batchSize: number,
  f64: (n: number) => Float64Array,
) {
  const { layout } = p.net;
  const fullBatch = batchSize === p.train.n;
  const trainX = f64(p.train.x.length);
  const trainY = f64(p.trainY.length);
  return {
    theta: f64(layout.size),
    grad: f64(layout.size),
    /** The optimizer's moments and hyper-parameters. */
    optimizer: allocateOptimizer(spec.training.optimizer, layout.size, f64),
    /** The update's ranges [from, len]: the whole θ, or each layer's W and b (recorded steps, sums into layerSums). */
    wholeRange: f64(2),
    layerRanges: f64(4 * layout.layers.length),
    layerSums: f64(2 * UPDATE_SUMS * layout.layers.length),
    ws: createWorkspace(layout, batchSize, f64),
    trainX,
    trainY,
    testX: p.test && f64(p.test.x.length),
    testY: p.testY && f64(p.testY.length),
    // The mini-batch's rows (batch, in) and targets (batch, out); the whole training set when full-batch.
    batchX: fullBatch ? trainX : f64(batchSize * layout.inputSize),
    batchY: fullBatch ? trainY : f64(batchSize * layout.outputSize),
  };
}

type TrainingRun = ReturnType<typeof allocateRun>;

/** A data set in the arena, its encoded targets, and room for its predictions (for evaluateDataset). */
interface EvaluationSet {
  data: Dataset;
  targets: Float64Array;
  predictions: Float64Array;
}

function evaluationSet(data: Dataset, targets: Float64Array): EvaluationSet {
  return { data, targets, predictions: new Float64Array(targets.length) };
}

/** Loss and accuracy over a whole set (reusing the workspace). */
function evaluateSet(run: TrainingRun, set: EvaluationSet) {
  return evaluateDataset(run.net, run.params, set.data, set.targets, run.buffers.ws, set.predictions);
}

/**
 * The training set's accuracy at this step's θ, before its update. On a full batch the step's own forward pass
 * already holds the set's predictions (every row, in order, at the same θ; the forward that takes a record's sums
 * computes A with the same bits), so only the count is left to do; otherwise the set is forwarded again.
 */
function trainAccuracy(run: TrainingRun, batch: number): number | null {
  const { buffers, train } = run;
  if (buffers.batchX !== buffers.trainX || batch !== train.data.n) return evaluateSet(run, train).accuracy;
  const outputs = buffers.ws.A[run.layout.layers.length - 1];
  const { predictions } = train;
  for (let i = 0; i < predictions.length; i++) predictions[i] = outputs[i];
  return accuracy(predictions, train.data, run.net.loss, run.layout.outputSize);
}

/** Allocate: the network and data prepared, every kernel buffer placed in one arena (WASM SIMD when available). */
function allocateRun(spec: TrainRunSpec, threads?: GemmThreads) {
  const p = prepare(spec);
  const { layout } = p.net;
  const n = p.train.n;
  const batchSize = Math.min(spec.training.batchSize ?? n, n);
  const totalSteps = plannedSteps(spec, n);
  const allocate = (f64: (n: number) => Float64Array) => allocateBuffers(p, spec, batchSize, f64);
  const kernels = wasmSimdAvailable()
    ? createWasmKernels(arenaSize(allocate), undefined, threads)
    : jsKernels;
  const buffers = allocate(kernels.f64);
  buffers.theta.set(p.theta);
  buffers.trainX.set(p.train.x);
  buffers.trainY.set(p.trainY);
  if (p.test) buffers.testX?.set(p.test.x);
  if (p.testY) buffers.testY?.set(p.testY);
  buffers.wholeRange.set([0, layout.size]);
  layout.layers.forEach((shape, l) => {
    buffers.layerRanges.set(
      [shape.wOffset, shape.fanIn * shape.fanOut, shape.bOffset, shape.hasBias ? shape.fanOut : 0],
      4 * l,
    );
  });
  return {
    spec,
    plan: recordingPlan(spec, totalSteps),
    totalSteps,
    batchSize,
    net: { ...p.net, kernels },
    layout,
    initialTheta: p.theta.slice(),
    lsuv: p.lsuv,
    buffers,
    params: viewsOf(layout, buffers.theta),
    grads: viewsOf(layout, buffers.grad),
    optimizer: createOptimizer(
      spec.training.optimizer,
      buffers.optimizer,
      kernels,
      buffers.theta,
      buffers.grad,
    ),
    /** Scratch for the kernels' sums on recorded steps (allocated once). */
    sums: new Float64Array(8),
    /** The hidden layers' sums of Z and A that forward takes on a recorded step (layers × FORWARD_SUMS). */
    forwardSums: new Float64Array(FORWARD_SUMS * layout.layers.length),
    /** The hidden layers' Σ dZ² that backward takes on a recorded step (one per layer). */
    deltaSums: new Float64Array(layout.layers.length),
    /** Where recorded steps' per-layer statistics and histograms are allocated. */
    slab: new RecordSlab(),
    train: evaluationSet({ ...p.train, x: buffers.trainX }, buffers.trainY),
    test:
      p.test &&
      buffers.testX &&
      buffers.testY &&
      evaluationSet({ ...p.test, x: buffers.testX }, buffers.testY),
    /** A seeded permutation of the training rows per epoch; cursor = rows of it used. */
    order: Int32Array.from({ length: n }, (_, i) => i),
    shuffler: new Rng(spec.training.seed ?? 0, RNG_STREAM.shuffle),
    cursor: n,
  };
}

export function runTraining(spec: TrainRunSpec, hooks: TrainHooks = {}): TrainOutcome {
  const run = allocateRun(spec, hooks.threads);
  // The first and the latest recorded step, diagnosed at the finish.
  const ends: { first: StepRecord | null; last: StepRecord | null } = { first: null, last: null };
  const emit = (record: StepRecord) => {
    ends.first ??= record;
    ends.last = record;
    hooks.onRecord?.(record);
  };
  let divergence: Divergence | null = null;
  let status: TrainOutcome['status'] = 'succeeded';
  let step = 0;
  for (; step < run.totalSteps; step++) {
    if (hooks.shouldStop?.()) {
      status = 'cancelled';
      break;
    }
    // A scheduled record's sums of Z, A and dZ are taken in the forward and backward passes; a diverged step's
    // afterwards.
    const scheduled = isRecordedStep(step, run.totalSteps, run.plan.every);
    const { batch, loss, gradNorm } = computeGradient(run, scheduled);
    const diverged = !Number.isFinite(loss) || !Number.isFinite(gradNorm);
    const record =
      diverged || scheduled ? recordStep(run, step, batch, loss, gradNorm, diverged, scheduled) : null;
    if (diverged) {
      divergence = locateDivergence(run.net, run.buffers.ws, run.buffers.grad, batch, step, loss);
      status = 'diverged';
      if (record) emit(record);
      break;
    }
    applyUpdate(run, record);
    if (record) emit(record);
  }
  return finish(run, status, step, divergence, ends.first, ends.last === ends.first ? null : ends.last);
}

/**
 * Step: the next mini-batch, forward, loss, and the gradient (zeroed, then accumulated by backward); on a recorded
 * step (`sums`) forward and backward take the hidden layers' sums into run.forwardSums and run.deltaSums.
 */
function computeGradient(run: TrainingRun, sums: boolean): { batch: number; loss: number; gradNorm: number } {
  const { net, params, grads, layout, buffers } = run;
  const { batchX, batchY, ws, grad } = buffers;
  const n = run.train.data.n;
  let batch = run.batchSize;
  if (batch < n) {
    if (run.cursor >= n) {
      run.shuffler.shuffle(run.order);
      run.cursor = 0;
    }
    batch = Math.min(run.batchSize, n - run.cursor);
    gatherRows(buffers.trainX, run.order, run.cursor, batch, layout.inputSize, batchX);
    gatherRows(buffers.trainY, run.order, run.cursor, batch, layout.outputSize, batchY);
    run.cursor += batch;
  }
  forward(net, params, batchX, batch, ws, sums ? run.forwardSums : null);
  const loss = batchLoss(net, params, batchY, batch, ws);
  grad.fill(0);
  backward(net, params, grads, batchX, batchY, batch, ws, sums ? run.deltaSums : null);
  return { batch, loss, gradNorm: globalNorm(grad, net.kernels) };
}

/** Record: per-layer statistics, histograms when due, accuracy on evaluation steps (unless diverged). */
function recordStep(
  run: TrainingRun,
  step: number,
  batch: number,
  loss: number,
  gradNorm: number,
  diverged: boolean,
  /** Whether computeGradient took the passes' sums (a scheduled record). */
  passSums: boolean,
): StepRecord {
  const { net, grads, plan, buffers } = run;
  const L = run.layout.layers.length;
  const layers = run.slab.take(L * FIELD_COUNT);
  // Without clipping the update pass reads the raw gradient and takes its moments (applyUpdate); otherwise here.
  const gradients = diverged || run.spec.training.clip !== undefined;
  const forwardSums = passSums ? run.forwardSums : null;
  const deltaSums = passSums ? run.deltaSums : null;
  layerStatistics(net, grads, buffers.ws, batch, layers, gradients, run.sums, forwardSums, deltaSums);
  let histograms: Float64Array | null = null;
  if (plan.histograms && hasHistograms(step, plan)) {
    const { bins, logScale } = plan.histograms;
    const stride = histogramStride(bins);
    const into = run.slab.take(L * stride);
    grads.forEach((g, l) => {
      histogram(g.W, { bins, logScale }, into, l * stride);
    });
    histograms = into;
  }
  // Evaluation reuses the workspace after the statistics are taken; the update only needs `grad`.
  const evaluating = !diverged && (step === run.totalSteps - 1 || step % plan.evalEvery === 0);
  return {
    step,
    loss,
    gradNorm,
    trainAccuracy: evaluating ? trainAccuracy(run, batch) : null,
    testAccuracy: evaluating && run.test ? evaluateSet(run, run.test).accuracy : null,
    layers,
    histograms,
  };
}

/**
 * Step: clip, then the optimizer's update applied to θ in one pass; on a recorded step the pass goes layer by layer
 * and sets each layer's update statistics and, without clipping (so it reads the raw gradient), its gradient ones.
 */
function applyUpdate(run: TrainingRun, record: StepRecord | null): void {
  const { grad } = run.buffers;
  const { optimizer } = run;
  const clip = run.spec.training.clip;
  if (clip) clipGradient(grad, clip, run.net.kernels);
  optimizer.beginStep();
  if (!record) {
    optimizer.apply(run.buffers.wholeRange, 1, null);
    return;
  }
  const { layerRanges, layerSums } = run.buffers;
  const L = run.layout.layers.length;
  optimizer.apply(layerRanges, 2 * L, layerSums);
  updateFields(record.layers, L, layerSums, clip ? null : run.grads);
}

/** Finish: evaluation over the whole sets, divergence in the last update, the diagnosis, the outcome. */
function finish(
  run: TrainingRun,
  stopped: TrainOutcome['status'],
  step: number,
  diverged: Divergence | null,
  first: StepRecord | null,
  last: StepRecord | null,
): TrainOutcome {
  const { buffers, layout } = run;
  const tr = evaluateSet(run, run.train);
  const te = run.test && evaluateSet(run, run.test);
  const final = {
    loss: tr.loss,
    trainAccuracy: tr.accuracy,
    testAccuracy: te?.accuracy ?? null,
    testLoss: te?.loss ?? null,
  };
  let status = stopped;
  let divergence = diverged;
  if (status === 'succeeded' && !Number.isFinite(final.loss)) {
    status = 'diverged';
    divergence = {
      step,
      layer: firstNonFiniteLayer(layout, buffers.theta),
      where: 'weights',
      message: `the weights became non-finite after the last update (step ${step - 1})`,
    };
  }
  const L = layout.layers.length;
  const atInit = first ? diagnose(first.layers, L, first.step) : null;
  const atEnd = last ? diagnose(last.layers, L, last.step, 'end') : null;
  return {
    status,
    totalSteps: run.totalSteps,
    stepsCompleted: step,
    final,
    divergence,
    diagnosis: runDiagnosis(atInit, atEnd, divergence?.message ?? null),
    layout,
    initialTheta: run.initialTheta,
    finalTheta: buffers.theta.slice(),
    lsuv: run.lsuv,
  };
}

/** dst (rows, width) = the rows order[from …] of src (·, width), copied value by value (no view per row). */
function gatherRows(
  src: Float64Array,
  order: Int32Array,
  from: number,
  rows: number,
  width: number,
  dst: Float64Array,
) {
  let d = 0;
  for (let r = 0; r < rows; r++) {
    const s = order[from + r] * width;
    for (let j = 0; j < width; j++) dst[d++] = src[s + j];
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
