// Checks a run spec the way a job would use it, without drawing weights or training: for the API edge.
import { checkInputSize, encodeTargets, makeDataset } from './datasets.ts';
import { withPath } from './errors.ts';
import { checkInitialization } from './initializers.ts';
import { buildNetwork } from './network.ts';
import type { RunSpec } from './run-spec.ts';
import { plannedSteps } from './train.ts';

export interface SpecFacts {
  parameters: number;
  trainRows: number;
  testRows: number;
  /** Optimizer steps a train run will take (0 for probe and gradcheck). */
  totalSteps: number;
  layerCount: number;
}

/** Throws SpecError (with the field path) for anything the core would reject; returns sizes for budgets. */
export function validateRunSpec(spec: RunSpec): SpecFacts {
  const net = withPath(['network'], () => buildNetwork(spec.network));
  withPath(['init'], () => checkInitialization(net.layout, spec.init));
  const { train, test } = withPath(['data'], () => {
    const split = makeDataset(spec.data, spec.seed ?? 0);
    for (const part of [split.train, split.test]) {
      if (!part) continue;
      checkInputSize(part, net.layout.inputSize);
      encodeTargets(part, net.loss, net.layout.outputSize);
    }
    return split;
  });
  return {
    parameters: net.layout.size,
    trainRows: train.n,
    testRows: test?.n ?? 0,
    totalSteps: spec.kind === 'train' ? plannedSteps(spec, train.n) : 0,
    layerCount: net.layout.layers.length,
  };
}
