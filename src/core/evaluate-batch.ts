// One forward and backward pass of an explicit network on a small batch: outputs, loss and every gradient,
// so learners can compare their own backprop (or PyTorch's) number by number.
import { checkInputSize, encodeTargets } from './datasets.ts';
import { withPath } from './errors.ts';
import { type LayerWeights, weightsFromJson, weightsToJson } from './export.ts';
import { inlineDatasets } from './inline-data.ts';
import { lossValue } from './losses.ts';
import { viewsOf } from './model.ts';
import { backward, buildNetwork, createWorkspace, forward, l2Penalty } from './network.ts';
import type { NetworkSpec } from './spec.ts';

export interface BatchEvaluation {
  /** (batch, out) network outputs after the output activation. */
  outputs: number[][];
  /** (batch, out) the output layer's pre-activations Z_L (the logits of sigmoid/softmax outputs). */
  logits: number[][];
  /** On request, every layer's Z and A, each (batch, out_l); else null. */
  layers: { Z: number[][]; A: number[][] }[] | null;
  /** dataLoss + l2Penalty. */
  loss: number;
  dataLoss: number;
  l2Penalty: number;
  /** ∂loss/∂W (out, in) and ∂loss/∂b per layer. */
  gradients: { dW: number[][]; db: number[] | null }[];
}

/** (rows, width) flat values as rows of numbers. */
function rowsOf(flat: Float64Array, rows: number, width: number): number[][] {
  return Array.from({ length: rows }, (_, r) => Array.from(flat.subarray(r * width, (r + 1) * width)));
}

export function evaluateBatch(
  network: NetworkSpec,
  weights: LayerWeights[],
  features: number[][],
  labels: number[] | number[][],
  options: { activations?: boolean } = {},
): BatchEvaluation {
  const net = withPath(['network'], () => buildNetwork(network));
  const theta = withPath(['weights'], () => weightsFromJson(net.layout, weights));
  const { train } = withPath([], () => inlineDatasets({ source: 'inline', features, labels }));
  const Y = withPath([], () => {
    checkInputSize(train, net.layout.inputSize);
    return encodeTargets(train, net.loss, net.layout.outputSize);
  });
  const batch = train.n;
  const out = net.layout.outputSize;
  const last = net.layout.layers.length - 1;
  const params = viewsOf(net.layout, theta);
  const ws = createWorkspace(net.layout, batch);
  const grad = new Float64Array(net.layout.size);
  forward(net, params, train.x, batch, ws);
  const dataLoss = lossValue(net.loss, ws.Z[last], ws.A[last], Y, batch, out);
  const penalty = l2Penalty(net, params, batch);
  backward(net, params, viewsOf(net.layout, grad), train.x, Y, batch, ws);
  const layers = options.activations
    ? net.layout.layers.map((l, i) => ({
        Z: rowsOf(ws.Z[i], batch, l.fanOut),
        A: rowsOf(ws.A[i], batch, l.fanOut),
      }))
    : null;
  return {
    outputs: rowsOf(ws.A[last], batch, out),
    logits: rowsOf(ws.Z[last], batch, out),
    layers,
    loss: dataLoss + penalty,
    dataLoss,
    l2Penalty: penalty,
    gradients: weightsToJson(net.layout, grad).map(({ W, b }) => ({ dW: W, db: b })),
  };
}
