// What POST /v1/theory computes: the mean-field quantities at a point or over a grid, or the init advisor's
// answer for a network and init (its weights drawn, not trained).
import { withPath } from '../errors.ts';
import { initializeParameters, initRng } from '../initializers.ts';
import { viewsOf } from '../model.ts';
import { buildNetwork } from '../network.ts';
import type { InitSpec, NetworkSpec } from '../spec.ts';
import { type Advice, adviseInit } from './advisor.ts';
import { type TheoryGrid, theoryGrid } from './grid.ts';
import { type MeanField, meanField } from './mean-field.ts';
import type { TheoryActivation } from './phi.ts';

/** One value, a list of values, or `steps` values from `from` to `to` (evenly, or evenly in log with scale log). */
export type Axis = number | number[] | { from: number; to: number; steps: number; scale?: 'linear' | 'log' };

export interface TheoryRequest {
  activation?: TheoryActivation;
  sigmaW2?: Axis;
  sigmaB2?: Axis;
  leakySlope?: number;
  eluAlpha?: number;
  network?: NetworkSpec;
  init?: InitSpec;
  /** Mean of x² over the input features for the advisor's forward recursion (default 1). */
  inputMeanSquare?: number;
}

export type TheoryResult =
  | { mode: 'point'; sigmaW2: number; sigmaB2: number; point: MeanField }
  | { mode: 'grid'; sigmaW2: number[]; sigmaB2: number[]; grid: TheoryGrid }
  | { mode: 'network'; advice: Advice };

/** The values of an axis, in order. */
export function axisValues(axis: Axis): number[] {
  if (typeof axis === 'number') return [axis];
  if (Array.isArray(axis)) return axis;
  const { from, to, steps } = axis;
  if (steps === 1) return [from];
  const log = axis.scale === 'log';
  return Array.from({ length: steps }, (_, i) => {
    const t = i / (steps - 1);
    return log ? from * (to / from) ** t : from + (to - from) * t;
  });
}

/** The request as checked at the edge: a network and init, or an activation with both axes. */
export function computeTheory(req: TheoryRequest): TheoryResult {
  if (req.network && req.init) {
    const { network, init } = req;
    const net = withPath(['network'], () => buildNetwork(network));
    const theta = new Float64Array(net.layout.size);
    // LSUV's data-driven rescaling needs data: its orthogonal start is what is drawn here
    withPath(['init'], () => initializeParameters(net.layout, init, initRng(init), theta));
    const advice = adviseInit({
      layout: net.layout,
      activations: network.layers.map((l) => l.activation),
      params: viewsOf(net.layout, theta),
      inputMeanSquare: req.inputMeanSquare ?? 1,
      leakySlope: network.leakySlope,
      eluAlpha: network.eluAlpha,
    });
    return { mode: 'network', advice };
  }
  const activation = req.activation ?? 'tanh';
  const { leakySlope, eluAlpha } = req;
  const w = axisValues(req.sigmaW2 ?? 1);
  const b = axisValues(req.sigmaB2 ?? 0);
  if (typeof req.sigmaW2 === 'number' && typeof (req.sigmaB2 ?? 0) === 'number') {
    const point = meanField({ activation, sigmaW2: w[0], sigmaB2: b[0], leakySlope, eluAlpha });
    return { mode: 'point', sigmaW2: w[0], sigmaB2: b[0], point };
  }
  return {
    mode: 'grid',
    sigmaW2: w,
    sigmaB2: b,
    grid: theoryGrid({ activation, sigmaW2: w, sigmaB2: b, leakySlope, eluAlpha }),
  };
}
