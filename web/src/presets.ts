// Ready-made experiments of the dashboard's submit form: the course's initialization exercise and the classic
// vanishing/exploding demonstrations, each one run spec or a pair to compare. The course's presets carry its data
// set inline (datasets/circles.json, bundled) and draw numpy's weights; the others use generated data.
// Every description says only what test/web/presets.test.ts checks that the preset does.
import courseCircles from '../../datasets/circles.json' with { type: 'json' };
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

// ── The course's exercise: [2, 10, 5, 1] relu-relu-sigmoid on its circles, lr 0.01, 15,000 full-batch steps ──

/** The course's 300 training and 100 test points (init_utils.load_dataset), as inline data. */
function courseData(): TrainSpec['data'] {
  const { train, test } = courseCircles;
  return {
    source: 'inline',
    features: train.X,
    labels: train.Y,
    test: { features: test.X, labels: test.Y },
  };
}

function course(label: string, weights: InitScheme, steps = 15_000, every = 50, lr = 0.01): TrainSpec {
  return {
    kind: 'train',
    name: `course: ${label} on the course's circles`,
    network: {
      inputSize: 2,
      layers: [
        { units: 10, activation: 'relu' },
        { units: 5, activation: 'relu' },
        { units: 1, activation: 'sigmoid' },
      ],
      loss: 'binary_cross_entropy',
    },
    // np.random.seed(3), then np.random.randn(n_l, n_{l−1}) × scale per layer: the course's draws, bit for bit.
    init: { weights, seed: 3, rng: 'numpy' },
    data: courseData(),
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
    description:
      "The course's He init (randn·√(2/n_{l−1}) after np.random.seed(3), numpy's draws) on its circles: cost " +
      '0.073579 at iteration 14,000 and 0.99333 train / 0.96 test accuracy after 15,000 steps, as in the course.',
    specs: [he],
  },
  {
    id: 'course-he-quick',
    title: 'Course: He, quick',
    description:
      'The same network, weights and data with lr 0.1 for 2,000 steps (recorded every 10): 0.99667 train / 0.96 ' +
      'test accuracy.',
    specs: [heQuick],
  },
  {
    id: 'course-zeros',
    title: 'Course: zeros',
    description:
      'All-zero weights never break symmetry: the cost is ln 2 = 0.693147… at every step and the accuracy 0.5 on ' +
      'train and test, as in the course.',
    specs: [zeros],
  },
  {
    id: 'course-randn10',
    title: 'Course: randn × 10',
    description:
      "The course's randn × 10 (seed 3, numpy's draws) saturates the sigmoid: the stable cost at step 0 is " +
      "1,773.6 (the course's float sigmoid prints inf), and training ends at 0.83 train / 0.86 test accuracy, as in " +
      'the course.',
    specs: [randn10],
  },
  {
    id: 'course-all',
    title: 'Course: zeros vs randn×10 vs He',
    description:
      'The three initializations of the exercise side by side, the same three runs as their own presets.',
    specs: [zeros, randn10, he],
  },
  {
    id: 'deep-linear-probe',
    title: 'Deep linear: 1.5·I vs 0.5·I (probe)',
    description:
      "Ten linear layers W = c·I without bias: each layer multiplies the signal by exactly c (layer 10's std " +
      "is c⁹ × layer 1's: 38.4 for 1.5, 0.002 for 0.5), and ∂loss/∂Z by c per layer going back.",
    specs: [deepLinearProbe(1.5), deepLinearProbe(0.5)],
  },
  {
    id: 'deep-linear-train',
    title: 'Deep linear: 1.5·I vs 0.5·I (200 steps)',
    description:
      "The same nets trained with SGD, lr 0.01: the 1.5 net diverges within 5 steps; the 0.5 net's loss moves " +
      'by less than 0.01% in 200 steps.',
    specs: [deepLinearTrain(1.5), deepLinearTrain(0.5)],
  },
  {
    id: 'relu30',
    title: '30-layer ReLU: Xavier vs He (probe)',
    description:
      "Xavier halves the signal's variance at every ReLU layer (std ×0.71 per layer on average, under 10⁻³ of " +
      "layer 1's by layer 29); He keeps it within 2× of layer 1's over all 29 hidden layers.",
    specs: [deepRelu('Xavier', { scheme: 'xavier_normal' }), deepRelu('He', { scheme: 'he_normal' })],
  },
  {
    id: 'tanh10',
    title: '10-layer tanh: standard vs normalized (probe)',
    description:
      "Glorot & Bengio: with U[−1/√n, 1/√n] the activations' std and the back-propagated gradient both shrink " +
      'more than 100× over the ten tanh layers; with Xavier uniform, less than 5× and 10×.',
    specs: [
      deepTanh('standard U[±1/√n]', { scheme: 'uniform', low: -standardLimit, high: standardLimit }),
      deepTanh('normalized (Xavier uniform)', { scheme: 'xavier_uniform' }),
    ],
  },
  {
    id: 'gradcheck',
    title: 'Gradient check',
    description:
      'Backprop against (f(θ+ε) − f(θ−ε))/2ε in float64, ε = 1e-7: the difference is below 1e-7 (pass) overall ' +
      "and for every layer's W and b.",
    specs: [gradcheck],
  },
];

export function presetById(id: string): Preset | undefined {
  return PRESETS.find((p) => p.id === id);
}

/**
 * The editor's text for a preset: one spec as an object, several as an array; arrays of numbers stay on one line,
 * so the course's inline data set takes a few hundred lines, not thousands.
 */
export function presetJson(preset: Preset): string {
  const text = JSON.stringify(preset.specs.length === 1 ? preset.specs[0] : preset.specs, null, 2);
  return text.replace(
    /\[\s+(-?[\d.e+-]+(?:,\s+-?[\d.e+-]+)*)\s+\]/g,
    (_, items: string) => `[${items.split(/,\s+/).join(', ')}]`,
  );
}
