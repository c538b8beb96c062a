// The init advisor: per layer, the gain that puts it at criticality (χ₁ = 1), and the forward/backward signal
// change over the depth that the mean-field recursion predicts for the weights actually drawn.
import type { LayerView, Layout } from '../model.ts';
import type { ActivationName } from '../spec.ts';
import { criticalSigmaW2, gaussMean, type Rules, rulesOf } from './mean-field.ts';
import { phiOf, THEORY_ACTIVATIONS, type TheoryActivation } from './phi.ts';

export interface LayerAdvice {
  /** fan_in · mean(W²) and mean(b²) of the drawn weights and biases: the spec's own σ_w², σ_b². */
  sigmaW2: number;
  sigmaB2: number;
  /** σ_w² with χ₁ = 1 for this layer's activation at its σ_b² (null for softmax: no theory). */
  criticalSigmaW2: number | null;
  /** √criticalSigmaW2: the gain on a variance-1/fan_in init (lecun/variance_scaling scale 1) for criticality. */
  criticalGain: number | null;
  /** The factor to put on the spec's own gain for criticality: √(criticalSigmaW2 / sigmaW2). */
  gainFactor: number | null;
  /** Predicted variance of the pre-activations Z of this layer (√ of it is comparable to preactStd). */
  predictedPreactVar: number;
  /** Predicted RMS of ∂loss/∂Z of this layer relative to the last layer's (comparable to deltaRms ratios). */
  predictedDeltaRatio: number;
}

export interface Advice {
  layers: LayerAdvice[];
  /** Predicted √(q_L / q_1): the change of the pre-activations' RMS from the first layer to the last. */
  forwardChange: number;
  /** Predicted deltaRms_1 / deltaRms_L: the change of the backpropagated signal from the last layer to the first. */
  backwardChange: number;
}

export interface AdvisorInput {
  layout: Layout;
  activations: ActivationName[];
  /** The drawn parameters, one view per layer: W (fanOut, fanIn), b (fanOut) or null. */
  params: LayerView[];
  /** Mean of x² over the input features (1 for standardized inputs). */
  inputMeanSquare: number;
  leakySlope?: number;
  eluAlpha?: number;
}

function theoryActivation(a: ActivationName): TheoryActivation | null {
  return (THEORY_ACTIVATIONS as readonly string[]).includes(a) ? (a as TheoryActivation) : null;
}

function meanSquare(v: Float64Array | null): number {
  if (!v || v.length === 0) return 0;
  let s = 0;
  for (const x of v) s += x * x;
  return s / v.length;
}

/**
 * The mean-field recursion layer by layer with each layer's own σ_w², σ_b² (widths may differ):
 * forward q_1 = σ_w,1²·E[x²] + σ_b,1², q_{l+1} = σ_w,l+1²·E[φ_l(√q_l z)²] + σ_b,l+1²;
 * backward E[δ_l²] = σ_w,l+1²·(n_{l+1}/n_l)·E[φ_l'(√q_l z)²]·E[δ_{l+1}²] (Var(W_{l+1}) = σ_w,l+1²/n_l).
 */
export function adviseInit(input: AdvisorInput, rules: Rules = rulesOf()): Advice {
  const { layout, activations, params, leakySlope, eluAlpha } = input;
  const L = layout.layers.length;
  const sigmaW2 = params.map((p, l) => layout.layers[l].fanIn * meanSquare(p.W));
  const sigmaB2 = params.map((p) => meanSquare(p.b));
  const hidden = activations.slice(0, L - 1).map((a, l) => {
    const act = theoryActivation(a);
    if (!act)
      throw new Error(`adviseInit: hidden layer ${l} has activation ${a}, which the theory does not cover`);
    return phiOf(act, leakySlope, eluAlpha);
  });
  const q = new Float64Array(L);
  for (let l = 0; l < L; l++) {
    const prev =
      l === 0 ? input.inputMeanSquare : gaussMean(rules.one, q[l - 1], (u) => hidden[l - 1].f(u) ** 2);
    q[l] = sigmaW2[l] * prev + sigmaB2[l];
  }
  const ratio = new Float64Array(L);
  ratio[L - 1] = 1;
  for (let l = L - 2; l >= 0; l--) {
    const phi = hidden[l];
    const widths = layout.layers[l + 1].fanOut / layout.layers[l].fanOut;
    const factor = sigmaW2[l + 1] * widths * gaussMean(rules.one, q[l], (u) => phi.d1(u) ** 2);
    ratio[l] = ratio[l + 1] * Math.sqrt(factor);
  }
  const layers = layout.layers.map((_, l): LayerAdvice => {
    const act = theoryActivation(activations[l]);
    const crit = act
      ? criticalSigmaW2({ activation: act, sigmaB2: sigmaB2[l], leakySlope, eluAlpha }, rules)
      : null;
    return {
      sigmaW2: sigmaW2[l],
      sigmaB2: sigmaB2[l],
      criticalSigmaW2: crit,
      criticalGain: crit === null ? null : Math.sqrt(crit),
      gainFactor: crit === null || sigmaW2[l] === 0 ? null : Math.sqrt(crit / sigmaW2[l]),
      predictedPreactVar: q[l],
      predictedDeltaRatio: ratio[l],
    };
  });
  return { layers, forwardChange: Math.sqrt(q[L - 1] / q[0]), backwardChange: ratio[0] };
}
