// The trainability map as a sweep: depth × σ_w² for one activation and width (Schoenholz et al. 2017), each cell a
// probe or a short training run, and the mean-field theory drawn on it (critical line χ₁ = 1, depth limit 6·ξ_c).
import { axisValues, criticalSigmaW2, meanField, type RunSpec } from '../core/index.ts';
import type { TrainabilityMap, TrainabilitySweepRequest } from '../schemas/sweeps.ts';
import type { GridSweepInput } from './expand.ts';

/** Schoenholz et al.: nets deeper than about 6·ξ_c did not train. */
export const DEPTH_LIMIT_XI_C = 6;
/** Samples of the depth-limit curve drawn over the columns' range. */
const CURVE_POINTS = 60;

const DEFAULT_WIDTH = 32;

/** The default cell: a probe on N(0, 1) inputs as wide as the net, or a short training run on 3-class spirals. */
function defaultBase(cell: 'probe' | 'train', width: number): RunSpec {
  if (cell === 'probe') {
    return {
      kind: 'probe',
      network: { inputSize: width, layers: [{ units: width, activation: 'linear' }], loss: 'mse' },
      init: { weights: { scheme: 'xavier_normal' } },
      data: { source: 'normal', n: 256, features: width, targets: 'regression', outputs: width },
    };
  }
  return {
    kind: 'train',
    network: {
      inputSize: 2,
      layers: [{ units: 3, activation: 'softmax' }],
      loss: 'categorical_cross_entropy',
    },
    init: { weights: { scheme: 'xavier_normal' } },
    data: { source: 'spirals', n: 300, classes: 3, seed: 1 },
    training: { optimizer: { kind: 'sgd', lr: 0.05 }, steps: 300 },
    telemetry: { every: 10 },
  };
}

/**
 * The grid sweep a trainability request stands for: rows `depth` (first axis), columns σ_w² written as the variance
 * scale of `variance_scaling` with a normal distribution over fan_in, i.e. W ~ N(0, σ_w²/fan_in), zero bias.
 */
export function trainabilitySweep(req: TrainabilitySweepRequest): {
  input: GridSweepInput;
  map: TrainabilityMap;
} {
  const cell = req.cell ?? (req.base?.kind === 'train' ? 'train' : 'probe');
  const width = req.width ?? DEFAULT_WIDTH;
  const given: RunSpec & { name?: string } = req.base ?? defaultBase(cell, width);
  const base = structuredClone(given);
  delete base.name;
  const output = base.network.layers[base.network.layers.length - 1];
  base.network = { ...base.network, layers: [{ units: width, activation: req.activation }, output] };
  base.init = {
    ...base.init,
    weights: { scheme: 'variance_scaling', distribution: 'normal', mode: 'fan_in' },
  };
  delete base.init.overrides;
  base.init.bias = { scheme: 'zeros' };
  const sigmaW2 = Array.isArray(req.sigmaW2)
    ? req.sigmaW2
    : axisValues({ from: req.sigmaW2.from, to: req.sigmaW2.to, steps: req.sigmaW2.steps });
  const repeats = req.seeds?.length ?? 1;
  const cells = req.depths.map((_, r) =>
    sigmaW2.map((_, c) => Array.from({ length: repeats }, (_, k) => (r * sigmaW2.length + c) * repeats + k)),
  );
  return {
    input: {
      base: base as unknown as Record<string, unknown>,
      axes: [
        { field: 'depth', values: req.depths },
        { field: '/init/weights/scale', values: sigmaW2 },
      ],
      layerTemplate: { units: width, activation: req.activation },
      seeds: req.seeds,
      seedField: req.seedField,
    },
    map: {
      activation: req.activation,
      width,
      cell,
      sigmaB2: 0,
      depths: req.depths,
      sigmaW2,
      cells,
      theory: mapTheory(req.activation, sigmaW2),
    },
  };
}

const finiteOrNull = (x: number) => (Number.isFinite(x) ? x : null);

/** The theory of the map's columns at σ_b = 0, and the depth-limit curve over their range. */
export function mapTheory(
  activation: TrainabilityMap['activation'],
  sigmaW2: number[],
): TrainabilityMap['theory'] {
  const depthLimit = (w: number) => {
    const m = meanField({ activation, sigmaW2: w, sigmaB2: 0 });
    return { m, limit: finiteOrNull(DEPTH_LIMIT_XI_C * m.xiC) };
  };
  const lo = Math.min(...sigmaW2);
  const hi = Math.max(...sigmaW2);
  const critical = criticalSigmaW2({ activation, sigmaB2: 0 });
  const curve = Array.from({ length: hi > lo ? CURVE_POINTS : 1 }, (_, i) => {
    const w = hi > lo ? lo + ((hi - lo) * i) / (CURVE_POINTS - 1) : lo;
    return { sigmaW2: w, depthLimit: depthLimit(w).limit };
  });
  return {
    criticalSigmaW2: finiteOrNull(critical),
    columns: sigmaW2.map((w) => {
      const { m, limit } = depthLimit(w);
      return {
        sigmaW2: w,
        chi1: finiteOrNull(m.chi1),
        phase: m.phase,
        xiC: finiteOrNull(m.xiC),
        depthLimit: limit,
      };
    }),
    curve,
  };
}
