// A gradcheck job: build and initialize the network, then check backprop on a batch of its data.
import { type GradCheckResult, gradientCheck } from './gradcheck.ts';
import type { Layout } from './model.ts';
import type { GradcheckRunSpec } from './run-spec.ts';
import { prepare } from './setup.ts';
import { DEFAULTS } from './spec.ts';

export interface GradcheckOutcome {
  batch: number;
  result: GradCheckResult;
  layout: Layout;
  initialTheta: Float64Array;
}

/** Samples in the checked batch out of `trainRows` training samples. */
export function gradcheckBatchOf(spec: GradcheckRunSpec, trainRows: number): number {
  return Math.min(spec.batchSize ?? DEFAULTS.gradcheckBatch, trainRows);
}

export function runGradcheck(spec: GradcheckRunSpec): GradcheckOutcome {
  const { net, theta, train, trainY } = prepare(spec);
  const { inputSize, outputSize } = net.layout;
  const batch = gradcheckBatchOf(spec, train.n);
  const result = gradientCheck(
    net,
    theta,
    train.x.subarray(0, batch * inputSize),
    trainY.subarray(0, batch * outputSize),
    batch,
    {
      epsilon: spec.epsilon,
      mode: spec.mode,
      sampleSize: spec.sampleSize,
      directions: spec.directions,
      seed: spec.init.seed ?? 0,
    },
  );
  return { batch, result, layout: net.layout, initialTheta: theta };
}
