// The plain-data specs the numeric core consumes: network, initialization, data, training, telemetry.
// Conventions (shared with the API docs):
// - A layer's weight matrix W is (out, in), row-major, like PyTorch's nn.Linear and the course's W[l]
//   of shape (n_l, n_{l-1}); a batch X is (batch, in); the forward pass is Z = X·Wᵀ + b.
// - Losses are averaged over the batch (and, for MSE and multi-output BCE, over outputs too, as
//   PyTorch's default `reduction='mean'`); MSE has no ½ factor.
// - L2 regularization adds λ/(2·batch)·Σ‖W‖² (the course's convention), biases excluded.

export const ACTIVATIONS = [
  'linear',
  'sigmoid',
  'tanh',
  'relu',
  'leaky_relu',
  'elu',
  'softplus',
  'softmax',
] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

export const LOSSES = ['binary_cross_entropy', 'categorical_cross_entropy', 'mse'] as const;
export type LossName = (typeof LOSSES)[number];

export interface LayerSpec {
  /** Output width of this dense layer. */
  units: number;
  activation: ActivationName;
  /** Whether the layer has a bias vector (default true). */
  bias?: boolean;
}

export interface NetworkSpec {
  inputSize: number;
  /** Dense layers in order; the last one is the output layer. */
  layers: LayerSpec[];
  /**
   * binary_cross_entropy needs a sigmoid output, categorical_cross_entropy a softmax output; both are
   * computed in the fused, numerically stable form from the logits. mse takes any output activation.
   */
  loss: LossName;
  /** Negative-side slope of leaky_relu (default 0.01, PyTorch's). */
  leakySlope?: number;
  /** α of elu (default 1). */
  eluAlpha?: number;
  /** L2 regularization strength λ (default 0). */
  l2?: number;
}

export type FanMode = 'fan_in' | 'fan_out' | 'fan_avg';

/** One weight-initialization scheme. `gain` multiplies whatever the scheme draws (default 1). */
export type InitScheme = { gain?: number } & (
  | { scheme: 'zeros' }
  | { scheme: 'constant'; value: number }
  | { scheme: 'normal'; mean?: number; std: number }
  | { scheme: 'uniform'; low: number; high: number }
  | { scheme: 'truncated_normal'; mean?: number; std: number }
  | { scheme: 'identity'; scale?: number }
  | { scheme: 'xavier_normal' }
  | { scheme: 'xavier_uniform' }
  | { scheme: 'he_normal'; mode?: 'fan_in' | 'fan_out' }
  | { scheme: 'he_uniform'; mode?: 'fan_in' | 'fan_out' }
  | { scheme: 'lecun_normal' }
  | { scheme: 'lecun_uniform' }
  | {
      scheme: 'variance_scaling';
      scale?: number;
      mode?: FanMode;
      distribution?: 'normal' | 'truncated_normal' | 'uniform';
    }
  | { scheme: 'orthogonal' }
  | { scheme: 'matrix'; values: number[][] }
  | { scheme: 'lsuv'; tolerance?: number; maxIterations?: number }
);
export type InitSchemeName = InitScheme['scheme'];

export type BiasInit =
  | { scheme: 'zeros' }
  | { scheme: 'constant'; value: number }
  | { scheme: 'vector'; values: number[] };

export interface InitSpec {
  /** Scheme for every layer without an override. */
  weights: InitScheme;
  /** Per-layer overrides, by 0-based layer index. */
  overrides?: { layer: number; weights?: InitScheme; bias?: BiasInit }[];
  /** Bias init for every layer without an override (default zeros). */
  bias?: BiasInit;
  /** Seed of the initializer's PRNG (default 0). */
  seed?: number;
  /**
   * The initializer's PRNG: "xoshiro" (default, our xoshiro128**) or "numpy" (numpy's legacy MT19937 and
   * Gaussian, as `np.random.seed(seed)`; only the schemes in initializers' NUMPY_SCHEMES).
   */
  rng?: InitRngName;
}

export const INIT_RNGS = ['xoshiro', 'numpy'] as const;
export type InitRngName = (typeof INIT_RNGS)[number];

export type DataSpec =
  | { source: 'circles'; n: number; noise?: number; factor?: number; seed?: number; testFraction?: number }
  | { source: 'moons'; n: number; noise?: number; seed?: number; testFraction?: number }
  | { source: 'spirals'; n: number; classes?: number; noise?: number; seed?: number; testFraction?: number }
  | { source: 'xor'; n: number; noise?: number; seed?: number; testFraction?: number }
  | {
      source: 'blobs';
      n: number;
      classes?: number;
      features?: number;
      std?: number;
      seed?: number;
      testFraction?: number;
    }
  | {
      source: 'linear';
      n: number;
      features?: number;
      outputs?: number;
      noise?: number;
      seed?: number;
      testFraction?: number;
    }
  | {
      /** features ~ N(0, std²) with zero targets, random class labels or random regression targets. */
      source: 'normal';
      n: number;
      features?: number;
      std?: number;
      targets?: 'zeros' | 'labels' | 'regression';
      /** Targets per sample for 'zeros' and 'regression' (default 1). */
      outputs?: number;
      /** Classes of 'labels' (default 2). */
      classes?: number;
      seed?: number;
      testFraction?: number;
    }
  | {
      source: 'inline';
      /** (n, inputSize) */
      features: number[][];
      /** Class indices (binary/categorical) or targets: one number per sample, or a vector. */
      labels: number[] | number[][];
      test?: { features: number[][]; labels: number[] | number[][] };
      /** Fraction of the samples held out for testing when no explicit test set is given (default 0). */
      testFraction?: number;
      seed?: number;
    };

export type OptimizerSpec =
  | { kind: 'sgd'; lr: number }
  | { kind: 'momentum'; lr: number; beta?: number; nesterov?: boolean }
  | { kind: 'rmsprop'; lr: number; alpha?: number; eps?: number }
  | { kind: 'adam'; lr: number; beta1?: number; beta2?: number; eps?: number };

export interface TrainSpec {
  optimizer: OptimizerSpec;
  /** Mini-batch size; omitted or ≥ n means full batch. */
  batchSize?: number;
  /** Number of optimizer steps. Exactly one of steps/epochs (default: steps = 1000). */
  steps?: number;
  epochs?: number;
  /** Clip the gradient by global L2 norm (torch.nn.utils.clip_grad_norm_) and/or by value. */
  clip?: { maxNorm?: number; maxValue?: number };
  /** Seed of mini-batch shuffling (default 0). */
  seed?: number;
}

export interface TelemetrySpec {
  /** Record per-layer statistics every `every` steps (and at step 0 and the last step). Default 1. */
  every?: number;
  /** Evaluate train/test accuracy every `evalEvery` steps (default: about 200 times per run, on recorded steps). */
  evalEvery?: number;
  /** Per-layer weight-gradient histograms every `every` steps (default: telemetry every); off when omitted. */
  histograms?: { bins?: number; logScale?: boolean; every?: number };
}

export const DEFAULTS = {
  leakySlope: 0.01,
  eluAlpha: 1,
  steps: 1000,
  telemetryEvery: 1,
  histogramBins: 32,
  lsuvTolerance: 0.1,
  lsuvMaxIterations: 10,
  gradcheckEpsilon: 1e-7,
  /** Gradient checks: samples in the checked batch (at most n), and fast mode's parameters and directions. */
  gradcheckBatch: 32,
  gradcheckSampleSize: 200,
  gradcheckDirections: 10,
} as const;
