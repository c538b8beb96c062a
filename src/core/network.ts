// A dense network's forward and backward passes over a batch, on workspaces allocated once per run.
// Shapes: X is (batch, in); layer l has W (out, in), b (out); Z_l and A_l are (batch, out).
import { type ActivationParams, saturationBounds } from './activations.ts';
import { SpecError } from './errors.ts';
import { lossBackward, lossValue, outputForward, requiredOutputActivation } from './losses.ts';
import { type LayerView, type Layout, layoutOf } from './model.ts';
import { FORWARD_SUMS } from './reduce.ts';
import type { LossName, NetworkSpec } from './spec.ts';
import { jsKernels, type Kernels } from './wasm/kernels.ts';

export interface Network {
  spec: NetworkSpec;
  layout: Layout;
  loss: LossName;
  l2: number;
  act: ActivationParams;
  /** The matrix products and element-wise passes: JS by default; training swaps in WASM SIMD kernels over its own arena. */
  kernels: Kernels;
}

/** Checks what a schema cannot (how layers relate to the loss) and builds the network's layout. */
export function buildNetwork(spec: NetworkSpec): Network {
  if (!(spec.inputSize >= 1)) throw new SpecError(['inputSize'], 'inputSize must be at least 1');
  if (spec.layers.length === 0) throw new SpecError(['layers'], 'a network needs at least one layer');
  const last = spec.layers.length - 1;
  spec.layers.forEach((layer, i) => {
    if (!Number.isInteger(layer.units) || layer.units < 1) {
      throw new SpecError(['layers', i, 'units'], `units must be a positive integer, got ${layer.units}`);
    }
    if (layer.activation === 'softmax' && i !== last) {
      throw new SpecError(['layers', i, 'activation'], 'softmax is only allowed on the output layer');
    }
  });
  const output = spec.layers[last].activation;
  const required = requiredOutputActivation(spec.loss);
  if (required !== null && output !== required) {
    throw new SpecError(
      ['layers', last, 'activation'],
      `loss ${spec.loss} needs a ${required} output layer (it is computed fused from the logits), got ${output}`,
    );
  }
  if (required === null && output === 'softmax') {
    throw new SpecError(
      ['layers', last, 'activation'],
      `softmax output needs loss categorical_cross_entropy`,
    );
  }
  if (spec.loss === 'categorical_cross_entropy' && spec.layers[last].units < 2) {
    throw new SpecError(['layers', last, 'units'], 'categorical_cross_entropy needs at least 2 output units');
  }
  const layout = layoutOf(spec);
  return {
    spec,
    layout,
    loss: spec.loss,
    l2: spec.l2 ?? 0,
    act: { leakySlope: layout.leakySlope, eluAlpha: layout.eluAlpha },
    kernels: jsKernels,
  };
}

/** Per-layer activations and deltas for batches of up to maxBatch samples. */
export interface Workspace {
  maxBatch: number;
  /** Z[l]: pre-activations (maxBatch, out_l). */
  Z: Float64Array[];
  /** A[l]: activations (maxBatch, out_l). */
  A: Float64Array[];
  /** dZ[l]: ∂loss/∂Z[l] (maxBatch, out_l). */
  dZ: Float64Array[];
  /** Scratch for ∂loss/∂A of the layer being back-propagated into (maxBatch, maxWidth). */
  dA: Float64Array;
}

/** `alloc` places the buffers where the kernels can reach them (e.g. a WASM arena). */
export function createWorkspace(
  layout: Layout,
  maxBatch: number,
  alloc: (n: number) => Float64Array = (n) => new Float64Array(n),
): Workspace {
  const per = () => layout.layers.map((l) => alloc(maxBatch * l.fanOut));
  return { maxBatch, Z: per(), A: per(), dZ: per(), dA: alloc(maxBatch * layout.maxWidth) };
}

/** Doubles createWorkspace allocates (for sizing an arena). */
export function workspaceSize(layout: Layout, maxBatch: number): number {
  const perLayer = layout.layers.reduce((s, l) => s + maxBatch * l.fanOut, 0);
  return 3 * perLayer + maxBatch * layout.maxWidth;
}

/**
 * Forward pass: fills Z[l], A[l]; the network output is A[L−1]. X is (batch, in). With `sums` (layers ×
 * FORWARD_SUMS), a recorded step's statistics of every hidden layer's Z and A are taken in the same pass as its
 * activation (reduce.ts forwardSums, in sums[l · FORWARD_SUMS …]); the output layer's are not.
 */
export function forward(
  net: Network,
  params: LayerView[],
  X: Float64Array,
  batch: number,
  ws: Workspace,
  sums: Float64Array | null = null,
): void {
  const { layers } = net.layout;
  let input = X;
  for (let l = 0; l < layers.length; l++) {
    const { fanIn, fanOut, hasBias, activation } = layers[l];
    const Z = ws.Z[l];
    const A = ws.A[l];
    const { W, b } = params[l];
    // Z = X·Wᵀ + b: start from the broadcast bias, then accumulate the product.
    if (hasBias) net.kernels.broadcastRows(b, Z, batch, fanOut);
    else Z.fill(0, 0, batch * fanOut);
    net.kernels.gemmABt(input, W, Z, batch, fanOut, fanIn);
    if (l === layers.length - 1) {
      outputForward(activation, Z, A, batch, fanOut, net.act, net.kernels.activationForward);
    } else if (sums) {
      const bounds = saturationBounds(activation);
      const lo = bounds ? bounds[0] : -Infinity;
      const hi = bounds ? bounds[1] : Infinity;
      net.kernels.activationForwardSums(
        activation,
        Z,
        A,
        batch * fanOut,
        net.act,
        lo,
        hi,
        sums,
        l * FORWARD_SUMS,
      );
    } else {
      net.kernels.activationForward(activation, Z, A, batch * fanOut, net.act);
    }
    input = A;
  }
}

/** ½λ/batch · Σ_l ‖W_l‖², the course's L2 penalty. */
export function l2Penalty(net: Network, params: LayerView[], batch: number): number {
  if (net.l2 === 0) return 0;
  let sum = 0;
  for (const { W } of params) for (let i = 0; i < W.length; i++) sum += W[i] * W[i];
  return (net.l2 / (2 * batch)) * sum;
}

/** Loss of the batch after `forward` (data loss + L2 penalty). Y is (batch, out). */
export function batchLoss(
  net: Network,
  params: LayerView[],
  Y: Float64Array,
  batch: number,
  ws: Workspace,
): number {
  const L = net.layout.layers.length - 1;
  const out = net.layout.outputSize;
  const data = lossValue(net.loss, ws.Z[L], ws.A[L], Y, batch, out, net.kernels.bceLossSum);
  return data + l2Penalty(net, params, batch);
}

/**
 * Backward pass after `forward`: ACCUMULATES ∂loss/∂W and ∂loss/∂b into `grads` (zero them first)
 * and leaves ∂loss/∂Z[l] in ws.dZ[l]. With `deltaSums` (one per layer), a recorded step's Σ dZ[l]² of every hidden
 * layer is taken in the same pass as its activation's derivative (reduce.ts sumSquaresWide, in deltaSums[l]).
 */
export function backward(
  net: Network,
  params: LayerView[],
  grads: LayerView[],
  X: Float64Array,
  Y: Float64Array,
  batch: number,
  ws: Workspace,
  deltaSums: Float64Array | null = null,
): void {
  const { layers, outputSize } = net.layout;
  const L = layers.length - 1;
  lossBackward(
    net.loss,
    layers[L].activation,
    ws.Z[L],
    ws.A[L],
    Y,
    ws.dZ[L],
    ws.dA,
    batch,
    outputSize,
    net.act,
  );
  backpropagate(net, params, grads, X, batch, ws, deltaSums);
}

/**
 * Backward pass from ws.dZ[L] (the output's ∂f/∂Z of whatever f, e.g. a probe's objective) after `forward`:
 * ACCUMULATES ∂f/∂W and ∂f/∂b into `grads` (plus the L2 term) and leaves ∂f/∂Z[l] in ws.dZ[l]; with `deltaSums`,
 * Σ dZ[l]² of every hidden layer into deltaSums[l] (see backward).
 */
export function backpropagate(
  net: Network,
  params: LayerView[],
  grads: LayerView[],
  X: Float64Array,
  batch: number,
  ws: Workspace,
  deltaSums: Float64Array | null = null,
): void {
  const { layers } = net.layout;
  for (let l = layers.length - 1; l >= 0; l--) {
    const { fanIn, fanOut, hasBias } = layers[l];
    const dZ = ws.dZ[l];
    const input = l === 0 ? X : ws.A[l - 1];
    const { W } = params[l];
    const g = grads[l];
    // forward was Z = X·Wᵀ + b, so dW += dZᵀ·X (out, in) and db += Σ_batch dZ
    net.kernels.gemmAtB(dZ, input, g.W, fanOut, fanIn, batch);
    if (hasBias) net.kernels.addColumnSums(dZ, g.b, batch, fanOut);
    if (net.l2 !== 0) {
      // the penalty was λ/(2·batch)·‖W‖², so dW += λ/batch · W
      const s = net.l2 / batch;
      for (let i = 0; i < W.length; i++) g.W[i] += s * W[i];
    }
    if (l > 0) {
      // ... and dX = dZ·W (batch, in), then back through the previous layer's activation.
      const dA = ws.dA;
      dA.fill(0, 0, batch * fanIn);
      net.kernels.gemmAB(dZ, W, dA, batch, fanIn, fanOut);
      const { activation } = layers[l - 1];
      const prevZ = ws.Z[l - 1];
      const prevA = ws.A[l - 1];
      const prevDZ = ws.dZ[l - 1];
      const len = batch * fanIn;
      if (deltaSums) {
        deltaSums[l - 1] = net.kernels.activationBackwardSums(
          activation,
          prevZ,
          prevA,
          dA,
          prevDZ,
          len,
          net.act,
        );
      } else {
        net.kernels.activationBackward(activation, prevZ, prevA, dA, prevDZ, len, net.act);
      }
    }
  }
}
