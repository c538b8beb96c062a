// Scalar activations with their first and second derivatives, for the mean-field integrals (not the hot loops:
// those are activations.ts over flat buffers).
import { sigmoid } from '../elementary.ts';
import { ACTIVATIONS, type ActivationName } from '../spec.ts';

/** The activations the mean-field theory covers: every hidden-layer activation we support (all but softmax). */
export type TheoryActivation = Exclude<ActivationName, 'softmax'>;
export const THEORY_ACTIVATIONS: readonly TheoryActivation[] = ACTIVATIONS.filter(
  (a): a is TheoryActivation => a !== 'softmax',
);

export interface Phi {
  f: (x: number) => number;
  /** φ'(x); at a kink the right-hand value is taken (measure zero under a Gaussian with q > 0). */
  d1: (x: number) => number;
  /** φ''(x) away from kinks. A kink adds a delta times φ(0), and every kinked φ here has φ(0) = 0. */
  d2: (x: number) => number;
}

/** φ, φ', φ'' of an activation; leakySlope and eluAlpha as the network spec's (defaults 0.01 and 1). */
export function phiOf(name: TheoryActivation, leakySlope = 0.01, eluAlpha = 1): Phi {
  switch (name) {
    case 'linear':
      return { f: (x) => x, d1: () => 1, d2: () => 0 };
    case 'sigmoid':
      return {
        f: sigmoid,
        d1: (x) => {
          const s = sigmoid(x);
          return s * (1 - s);
        },
        d2: (x) => {
          const s = sigmoid(x);
          return s * (1 - s) * (1 - 2 * s);
        },
      };
    case 'tanh':
      return {
        f: Math.tanh,
        d1: (x) => {
          const t = Math.tanh(x);
          return 1 - t * t;
        },
        d2: (x) => {
          const t = Math.tanh(x);
          return -2 * t * (1 - t * t);
        },
      };
    case 'relu':
      return { f: (x) => (x > 0 ? x : 0), d1: (x) => (x > 0 ? 1 : 0), d2: () => 0 };
    case 'leaky_relu':
      return { f: (x) => (x > 0 ? x : leakySlope * x), d1: (x) => (x > 0 ? 1 : leakySlope), d2: () => 0 };
    case 'elu':
      return {
        f: (x) => (x > 0 ? x : eluAlpha * Math.expm1(x)),
        d1: (x) => (x > 0 ? 1 : eluAlpha * Math.exp(x)),
        d2: (x) => (x > 0 ? 0 : eluAlpha * Math.exp(x)),
      };
    case 'softplus':
      return {
        f: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))),
        d1: sigmoid,
        d2: (x) => {
          const s = sigmoid(x);
          return s * (1 - s);
        },
      };
  }
}
