// Optimizers over the flat parameter vector (PyTorch's update rules) and gradient clipping. An optimizer's state
// (its moments and hyper-parameters) lives in the run's arena; its step applies θ += Δθ through the kernels'
// updateParams (kernels/updates.ts, or the reference update-rules.ts), fused with the update's statistics.
import type { OptimizerSpec } from './spec.ts';
import { UPDATE_PARAMS, UPDATE_RULE, type UpdateRule } from './update-rules.ts';
import type { Kernels } from './wasm/kernels.ts';

/** An optimizer's buffers: its hyper-parameters (UpdateRule.p) and moments m, v (`size` values each, or empty). */
export interface OptimizerState {
  p: Float64Array;
  m: Float64Array;
  v: Float64Array;
}

/** Allocates an optimizer's state with `f64` (the run's arena allocator; createOptimizer fills it). */
export function allocateOptimizer(
  spec: OptimizerSpec,
  size: number,
  f64: (n: number) => Float64Array,
): OptimizerState {
  const moments = spec.kind === 'sgd' ? 0 : spec.kind === 'adam' ? 2 : 1;
  return { p: f64(UPDATE_PARAMS), m: f64(moments >= 1 ? size : 0), v: f64(moments >= 2 ? size : 0) };
}

/** The rule of an optimizer spec, its hyper-parameters written into p (PyTorch's defaults filled in). */
function ruleOf(spec: OptimizerSpec, p: Float64Array): UpdateRule {
  p[0] = -spec.lr;
  switch (spec.kind) {
    case 'sgd':
      return { kind: UPDATE_RULE.sgd, p };
    case 'momentum':
      p[1] = spec.beta ?? 0.9;
      return { kind: spec.nesterov ? UPDATE_RULE.nesterov : UPDATE_RULE.momentum, p };
    case 'rmsprop': {
      const alpha = spec.alpha ?? 0.99;
      p.set([alpha, 1 - alpha, spec.eps ?? 1e-8], 1);
      return { kind: UPDATE_RULE.rmsprop, p };
    }
    case 'adam': {
      const b1 = spec.beta1 ?? 0.9;
      const b2 = spec.beta2 ?? 0.999;
      p.set([b1, 1 - b1, b2, 1 - b2, spec.eps ?? 1e-8], 1);
      return { kind: UPDATE_RULE.adam, p };
    }
  }
}

export interface Optimizer {
  /** Starts step t = 1, 2, …: Adam's bias corrections c₁ = 1 − β₁ᵗ, c₂ = 1 − β₂ᵗ. Once per step, first. */
  beginStep(): void;
  /**
   * θ += Δθ over each of `count` ranges [from, from + len) of θ (pairs of `ranges`) for the gradient g there; with
   * `into`, also [Σθ², ΣΔθ², Σg, Σg², min g, max g] of range r (θ before the update) into into[6r …]. The
   * ranges and `into` come from the kernels' arena.
   */
  apply(ranges: Float64Array, count: number, into: Float64Array | null): void;
}

/** The optimizer of parameters θ with gradient g, its state from allocateOptimizer (all from the kernels' arena). */
export function createOptimizer(
  spec: OptimizerSpec,
  state: OptimizerState,
  kernels: Kernels,
  theta: Float64Array,
  g: Float64Array,
): Optimizer {
  const { p, m, v } = state;
  const rule = ruleOf(spec, p);
  const [b1, b2] = [p[1], p[3]];
  let t = 0;
  return {
    beginStep() {
      t++;
      if (rule.kind !== UPDATE_RULE.adam) return;
      p[6] = 1 - b1 ** t;
      p[7] = 1 - b2 ** t;
    },
    apply(ranges, count, into) {
      kernels.updateParams(rule, theta, g, m, v, ranges, count, into);
    },
  };
}

/** ‖g‖₂ over the whole parameter vector (NaN/Infinity propagate), summed four ways (reduce.ts's order). */
export function globalNorm(g: Float64Array, kernels: Kernels): number {
  return Math.sqrt(kernels.sumSquares(g));
}

/**
 * The standard cures for exploding gradients: clamp each component to ±maxValue
 * (torch.nn.utils.clip_grad_value_), then rescale to global norm ≤ maxNorm (clip_grad_norm_), through the kernels
 * (g from their arena). Returns whether anything was clipped.
 */
export function clipGradient(
  g: Float64Array,
  clip: { maxNorm?: number; maxValue?: number },
  kernels: Kernels,
): boolean {
  let clipped = clip.maxValue !== undefined && kernels.clampValues(g, clip.maxValue);
  if (clip.maxNorm !== undefined) {
    const norm = globalNorm(g, kernels);
    if (norm > clip.maxNorm) {
      kernels.scaleValues(g, clip.maxNorm / (norm + 1e-6));
      clipped = true;
    }
  }
  return clipped;
}
