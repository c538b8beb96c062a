// Turns a job's specs into ready buffers: the network, its initialized parameters and the encoded data.
import type { Dataset } from './dataset.ts';
import { checkInputSize, encodeTargets, makeDataset } from './datasets.ts';
import { withPath } from './errors.ts';
import { initializeParameters, initRng } from './initializers.ts';
import { applyLsuv, type LsuvLayerReport } from './lsuv.ts';
import { type LayerView, viewsOf } from './model.ts';
import { buildNetwork, type Network } from './network.ts';
import type { DataSpec, InitScheme, InitSpec, NetworkSpec } from './spec.ts';

export interface Prepared {
  net: Network;
  /** The flat parameter vector θ and its per-layer views. */
  theta: Float64Array;
  params: LayerView[];
  train: Dataset;
  /** Targets of the training set encoded for the loss: (n, outputSize). */
  trainY: Float64Array;
  test: Dataset | null;
  testY: Float64Array | null;
  lsuv: LsuvLayerReport[] | null;
}

/** Samples LSUV rescales on (the first rows of the training set). */
const LSUV_BATCH = 256;

export function prepare(spec: {
  network: NetworkSpec;
  init: InitSpec;
  data: DataSpec;
  seed?: number;
}): Prepared {
  const net = buildNetwork(spec.network);
  const seed = spec.seed ?? 0;
  const { train, test } = withPath(['data'], () => makeDataset(spec.data, seed));
  const outputSize = net.layout.outputSize;
  const [trainY, testY] = withPath(['data'], () => {
    checkInputSize(train, net.layout.inputSize);
    if (test) checkInputSize(test, net.layout.inputSize);
    return [
      encodeTargets(train, net.loss, outputSize),
      test ? encodeTargets(test, net.loss, outputSize) : null,
    ];
  });
  const theta = new Float64Array(net.layout.size);
  withPath(['init'], () => initializeParameters(net.layout, spec.init, initRng(spec.init), theta));
  const params = viewsOf(net.layout, theta);
  const schemes: InitScheme[] = net.layout.layers.map(
    (l) => spec.init.overrides?.find((o) => o.layer === l.index)?.weights ?? spec.init.weights,
  );
  let lsuv: LsuvLayerReport[] | null = null;
  if (schemes.some((s) => s.scheme === 'lsuv')) {
    const batch = Math.min(train.n, LSUV_BATCH);
    lsuv = applyLsuv(net, params, schemes, train.x.subarray(0, batch * train.inputSize), batch);
  }
  return { net, theta, params, train, trainY, test, testY, lsuv };
}
