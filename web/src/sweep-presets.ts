// The submit form's common sweeps as requests: gain × init, depth × init, lr × init, and the trainability map.
import type { SweepRequest } from './types.ts';

export type SweepPresetName = 'gain-init' | 'depth-init' | 'lr-init' | 'trainability';

export interface SweepPresetInput {
  activation: 'tanh' | 'relu';
  width: number;
  depth: number;
  /** Probes (statistics at initialization) or short training runs. */
  cell: 'probe' | 'train';
}

export const SWEEP_PRESETS: { name: SweepPresetName; label: string }[] = [
  { name: 'gain-init', label: 'gain × init scheme' },
  { name: 'depth-init', label: 'depth × init scheme' },
  { name: 'lr-init', label: 'learning rate × init scheme (training)' },
  { name: 'trainability', label: 'trainability map: depth × σ_w²' },
];

const SCHEMES = ['xavier_normal', 'he_normal', 'orthogonal'];

/** The base run of the grid presets: a probe on N(0, 1) inputs, or a short run on 3-class spirals. */
function base(input: SweepPresetInput, cell: 'probe' | 'train') {
  const hidden = Array.from({ length: input.depth }, () => ({
    units: input.width,
    activation: input.activation,
  }));
  if (cell === 'probe') {
    return {
      kind: 'probe' as const,
      network: {
        inputSize: input.width,
        layers: [...hidden, { units: input.width, activation: 'linear' as const }],
        loss: 'mse' as const,
      },
      init: { weights: { scheme: 'xavier_normal' as const } },
      data: {
        source: 'normal' as const,
        n: 256,
        features: input.width,
        targets: 'regression' as const,
        outputs: input.width,
      },
    };
  }
  return {
    kind: 'train' as const,
    network: {
      inputSize: 2,
      layers: [...hidden, { units: 3, activation: 'softmax' as const }],
      loss: 'categorical_cross_entropy' as const,
    },
    init: { weights: { scheme: 'xavier_normal' as const } },
    data: { source: 'spirals' as const, n: 300, classes: 3, seed: 1 },
    training: { optimizer: { kind: 'sgd' as const, lr: 0.05 }, steps: 300 },
    telemetry: { every: 10 },
  };
}

export function sweepPreset(name: SweepPresetName, input: SweepPresetInput): SweepRequest {
  const schemes = { field: '/init/weights/scheme', values: SCHEMES };
  const label = `${input.activation} ×${input.depth} of ${input.width}`;
  switch (name) {
    case 'gain-init':
      return {
        kind: 'grid',
        name: `gain × init, ${label}`,
        base: base(input, input.cell),
        axes: [schemes, { field: '/init/weights/gain', values: [0.5, 1, Math.SQRT2, 5 / 3, 2] }],
      };
    case 'depth-init':
      return {
        kind: 'grid',
        name: `depth × init, ${input.activation} of ${input.width}`,
        base: base(input, input.cell),
        axes: [schemes, { field: 'depth', values: [2, 5, 10, 20, 40] }],
      };
    case 'lr-init':
      return {
        kind: 'grid',
        name: `lr × init, ${label}`,
        base: base(input, 'train'),
        axes: [schemes, { field: '/training/optimizer/lr', values: [0.003, 0.01, 0.03, 0.1, 0.3] }],
        targetLoss: 0.5,
      };
    case 'trainability':
      return {
        kind: 'trainability',
        name: `trainability, ${input.activation} of ${input.width}`,
        activation: input.activation,
        width: input.width,
        depths: [2, 5, 10, 20, 40],
        sigmaW2: input.activation === 'relu' ? { from: 1, to: 3, steps: 9 } : { from: 0.5, to: 3, steps: 11 },
        cell: input.cell,
      };
  }
}
