// Ready-made experiments of the dashboard's submit form: the course's initialization exercise and the classic
// vanishing/exploding demonstrations, each one run spec or a pair to compare. Data are generated, never loaded.
import type { NamedRunSpec } from '../../src/schemas/specs.ts';

export interface Preset {
  /** Stable id, usable as `#/?preset=<id>`. */
  id: string;
  title: string;
  /** What the preset shows and what to look for, in a sentence or two. */
  description: string;
  /** The runs it submits: one opens its run page, several open the compare view. */
  specs: NamedRunSpec[];
}

type TrainSpec = Extract<NamedRunSpec, { kind: 'train' }>;
type ProbeSpec = Extract<NamedRunSpec, { kind: 'probe' }>;
type InitScheme = TrainSpec['init']['weights'];

// ── The course's exercise: [2, 10, 5, 1] relu-relu-sigmoid on circles, lr 0.01, 15,000 full-batch steps ──

const circles = { source: 'circles', n: 300, noise: 0.05, testFraction: 0.25 } as const;

function course(label: string, weights: InitScheme, steps = 15_000, every = 50, lr = 0.01): TrainSpec {
  return {
    kind: 'train',
    name: `course: ${label} on circles`,
    network: {
      inputSize: 2,
      layers: [
        { units: 10, activation: 'relu' },
        { units: 5, activation: 'relu' },
        { units: 1, activation: 'sigmoid' },
      ],
      loss: 'binary_cross_entropy',
    },
    init: { weights, seed: 3 },
    data: { ...circles },
    training: { optimizer: { kind: 'sgd', lr }, steps },
    telemetry: { every, histograms: { bins: 32, logScale: true, every: every * 20 } },
  };
}

const zeros = course('zeros', { scheme: 'zeros' });
const randn10 = course('randn×10', { scheme: 'normal', std: 10 });
const he = course('He', { scheme: 'he_normal' });
const heQuick = course('He, lr 0.1 for 2,000 steps', { scheme: 'he_normal' }, 2000, 10, 0.1);

// ── Deep linear net: 10 layers W = c·I without bias, so the output is exactly c^10·x ──

function deepLinearNetwork(): TrainSpec['network'] {
  return {
    inputSize: 8,
    layers: Array.from({ length: 10 }, () => ({ units: 8, activation: 'linear' as const, bias: false })),
    loss: 'mse',
  };
}

const linearData = { source: 'linear', n: 256, features: 8, outputs: 8 } as const;

function deepLinearProbe(scale: number): ProbeSpec {
  return {
    kind: 'probe',
    name: `deep linear probe, W = ${scale}·I`,
    network: deepLinearNetwork(),
    init: { weights: { scheme: 'identity', scale } },
    data: { ...linearData },
    histograms: { bins: 32, logScale: true },
  };
}

function deepLinearTrain(scale: number): TrainSpec {
  return {
    kind: 'train',
    name: `deep linear train, W = ${scale}·I`,
    network: deepLinearNetwork(),
    init: { weights: { scheme: 'identity', scale } },
    data: { ...linearData },
    training: { optimizer: { kind: 'sgd', lr: 0.01 }, steps: 200 },
    telemetry: { every: 1 },
  };
}

// ── 30 ReLU layers at initialization: Xavier halves the signal's variance per layer, He keeps it ──

function deepRelu(label: string, weights: InitScheme): ProbeSpec {
  return {
    kind: 'probe',
    name: `30-layer ReLU, ${label}`,
    network: {
      inputSize: 100,
      layers: [
        ...Array.from({ length: 29 }, () => ({ units: 100, activation: 'relu' as const })),
        { units: 1, activation: 'sigmoid' as const },
      ],
      loss: 'binary_cross_entropy',
    },
    init: { weights, seed: 1 },
    data: { source: 'blobs', n: 256, classes: 2, features: 100 },
    histograms: { bins: 32 },
  };
}

// ── 10 tanh layers (Glorot & Bengio 2010): "standard" U[−1/√n, 1/√n] vs normalized (Xavier uniform) ──

const TANH_WIDTH = 100;

function deepTanh(label: string, weights: InitScheme): ProbeSpec {
  return {
    kind: 'probe',
    name: `10-layer tanh, ${label}`,
    network: {
      inputSize: TANH_WIDTH,
      layers: [
        ...Array.from({ length: 10 }, () => ({ units: TANH_WIDTH, activation: 'tanh' as const })),
        { units: 1, activation: 'sigmoid' as const },
      ],
      loss: 'binary_cross_entropy',
    },
    init: { weights, seed: 1 },
    data: { source: 'blobs', n: 256, classes: 2, features: TANH_WIDTH },
    histograms: { bins: 32 },
  };
}

// Every layer, the sigmoid output included, has fan-in TANH_WIDTH, so one uniform scheme fits them all.
const standardLimit = 1 / Math.sqrt(TANH_WIDTH);

// ── Gradient check of a small tanh/softmax net with L2 ──

const gradcheck: NamedRunSpec = {
  kind: 'gradcheck',
  name: 'gradient check: tanh + softmax, L2 0.1',
  network: {
    inputSize: 2,
    layers: [
      { units: 8, activation: 'tanh' },
      { units: 3, activation: 'softmax' },
    ],
    loss: 'categorical_cross_entropy',
    l2: 0.1,
  },
  init: { weights: { scheme: 'xavier_normal' } },
  data: { source: 'spirals', n: 90, classes: 3 },
  epsilon: 1e-7,
};

export const PRESETS: readonly Preset[] = [
  {
    id: 'course-he',
    title: 'Course: He initialization',
    description: 'He (√(2/n) · randn) on circles: learns the two rings, ≈0.99 train accuracy.',
    specs: [he],
  },
  {
    id: 'course-he-quick',
    title: 'Course: He, quick',
    description:
      'The same network with lr 0.1 for 2,000 steps (recorded every 10): learns the rings in seconds.',
    specs: [heQuick],
  },
  {
    id: 'course-zeros',
    title: 'Course: zeros',
    description: 'All-zero weights never break symmetry: cost stays at 0.6931, accuracy 0.5.',
    specs: [zeros],
  },
  {
    id: 'course-randn10',
    title: 'Course: randn × 10',
    description:
      'Weights ×10 saturate the sigmoid: a huge initial cost, slow progress (≈0.83 train accuracy).',
    specs: [randn10],
  },
  {
    id: 'course-all',
    title: 'Course: zeros vs randn×10 vs He',
    description: 'The three initializations of the exercise side by side.',
    specs: [zeros, randn10, he],
  },
  {
    id: 'deep-linear-probe',
    title: 'Deep linear: 1.5·I vs 0.5·I (probe)',
    description: 'Ten linear layers W = c·I output c¹⁰·x: ×57.7 per pass for 1.5, ×0.001 for 0.5.',
    specs: [deepLinearProbe(1.5), deepLinearProbe(0.5)],
  },
  {
    id: 'deep-linear-train',
    title: 'Deep linear: 1.5·I vs 0.5·I (200 steps)',
    description: 'The same nets trained with SGD: the 1.5 net explodes, the 0.5 net barely moves.',
    specs: [deepLinearTrain(1.5), deepLinearTrain(0.5)],
  },
  {
    id: 'relu30',
    title: '30-layer ReLU: Xavier vs He (probe)',
    description: 'Xavier halves the signal variance at every ReLU layer; He keeps it steady across depth.',
    specs: [deepRelu('Xavier', { scheme: 'xavier_normal' }), deepRelu('He', { scheme: 'he_normal' })],
  },
  {
    id: 'tanh10',
    title: '10-layer tanh: standard vs normalized (probe)',
    description:
      'Glorot & Bengio: U[−1/√n, 1/√n] shrinks activations and gradients with depth; Xavier uniform keeps them.',
    specs: [
      deepTanh('standard U[±1/√n]', { scheme: 'uniform', low: -standardLimit, high: standardLimit }),
      deepTanh('normalized (Xavier uniform)', { scheme: 'xavier_uniform' }),
    ],
  },
  {
    id: 'gradcheck',
    title: 'Gradient check',
    description: 'Backprop against (f(θ+ε) − f(θ−ε))/2ε in float64, per layer and per W/b.',
    specs: [gradcheck],
  },
];

export function presetById(id: string): Preset | undefined {
  return PRESETS.find((p) => p.id === id);
}

/** The editor's text for a preset: one spec as an object, several as an array. */
export function presetJson(preset: Preset): string {
  return JSON.stringify(preset.specs.length === 1 ? preset.specs[0] : preset.specs, null, 2);
}
