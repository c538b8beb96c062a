// Loss and accuracy of a whole dataset, forwarded in chunks through a run's workspace.
import type { Dataset } from './dataset.ts';
import { accuracy } from './datasets.ts';
import { lossValue } from './losses.ts';
import type { LayerView } from './model.ts';
import { forward, l2Penalty, type Network, type Workspace } from './network.ts';

export interface Evaluation {
  loss: number;
  accuracy: number | null;
}

/**
 * Mean loss over all n samples of `data` (plus the L2 penalty at batch = n) and accuracy.
 * `predictions` is scratch of length n·outputSize.
 */
export function evaluateDataset(
  net: Network,
  params: LayerView[],
  data: Dataset,
  targets: Float64Array,
  ws: Workspace,
  predictions: Float64Array,
): Evaluation {
  const { inputSize, outputSize } = net.layout;
  const last = net.layout.layers.length - 1;
  let lossSum = 0;
  for (let start = 0; start < data.n; start += ws.maxBatch) {
    const rows = Math.min(ws.maxBatch, data.n - start);
    const X = data.x.subarray(start * inputSize, (start + rows) * inputSize);
    const Y = targets.subarray(start * outputSize, (start + rows) * outputSize);
    forward(net, params, X, rows, ws);
    lossSum +=
      lossValue(net.loss, ws.Z[last], ws.A[last], Y, rows, outputSize, net.kernels.bceLossSum) * rows;
    predictions.set(ws.A[last].subarray(0, rows * outputSize), start * outputSize);
  }
  return {
    loss: lossSum / data.n + l2Penalty(net, params, data.n),
    accuracy: accuracy(predictions, data, net.loss, outputSize),
  };
}
