// Optimizers over the flat parameter vector (PyTorch's update rules), and gradient clipping.
// An optimizer writes the step Δθ into `update`; the caller applies θ += Δθ (so Δθ can be measured).
import { sumSquares } from './reduce.ts';
import type { OptimizerSpec } from './spec.ts';

export interface Optimizer {
  /** Writes Δθ for gradient g into `update` (all three of length `size`). */
  computeUpdate(grad: Float64Array, update: Float64Array): void;
}

export function createOptimizer(spec: OptimizerSpec, size: number): Optimizer {
  const { lr } = spec;
  switch (spec.kind) {
    case 'sgd':
      return {
        computeUpdate(g, u) {
          for (let i = 0; i < size; i++) u[i] = -lr * g[i];
        },
      };
    case 'momentum': {
      // torch.optim.SGD(momentum=β): v = β·v + g; Δθ = −lr·v (Nesterov: −lr·(g + β·v)).
      const beta = spec.beta ?? 0.9;
      const v = new Float64Array(size);
      const nesterov = spec.nesterov ?? false;
      return {
        computeUpdate(g, u) {
          for (let i = 0; i < size; i++) {
            v[i] = beta * v[i] + g[i];
            u[i] = -lr * (nesterov ? g[i] + beta * v[i] : v[i]);
          }
        },
      };
    }
    case 'rmsprop': {
      // torch.optim.RMSprop: s = α·s + (1−α)·g²; Δθ = −lr·g / (√s + ε).
      const alpha = spec.alpha ?? 0.99;
      const eps = spec.eps ?? 1e-8;
      const s = new Float64Array(size);
      return {
        computeUpdate(g, u) {
          for (let i = 0; i < size; i++) {
            s[i] = alpha * s[i] + (1 - alpha) * g[i] * g[i];
            u[i] = (-lr * g[i]) / (Math.sqrt(s[i]) + eps);
          }
        },
      };
    }
    case 'adam': {
      // torch.optim.Adam: m, v moving averages with bias correction; Δθ = −lr·m̂ / (√v̂ + ε).
      const b1 = spec.beta1 ?? 0.9;
      const b2 = spec.beta2 ?? 0.999;
      const eps = spec.eps ?? 1e-8;
      const m = new Float64Array(size);
      const v = new Float64Array(size);
      let t = 0;
      return {
        computeUpdate(g, u) {
          t++;
          const c1 = 1 - b1 ** t;
          const c2 = 1 - b2 ** t;
          for (let i = 0; i < size; i++) {
            m[i] = b1 * m[i] + (1 - b1) * g[i];
            v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
            u[i] = (-lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + eps);
          }
        },
      };
    }
  }
}

/** ‖g‖₂ over the whole parameter vector (NaN/Infinity propagate), summed four ways (reduce.ts). */
export function globalNorm(g: Float64Array): number {
  return Math.sqrt(sumSquares(g));
}

/**
 * The standard cures for exploding gradients: clamp each component to ±maxValue
 * (torch.nn.utils.clip_grad_value_), then rescale to global norm ≤ maxNorm (clip_grad_norm_).
 * Returns whether anything was clipped.
 */
export function clipGradient(g: Float64Array, clip: { maxNorm?: number; maxValue?: number }): boolean {
  let clipped = false;
  if (clip.maxValue !== undefined) {
    const c = clip.maxValue;
    for (let i = 0; i < g.length; i++) {
      if (g[i] > c) {
        g[i] = c;
        clipped = true;
      } else if (g[i] < -c) {
        g[i] = -c;
        clipped = true;
      }
    }
  }
  if (clip.maxNorm !== undefined) {
    const norm = globalNorm(g);
    if (norm > clip.maxNorm) {
      const scale = clip.maxNorm / (norm + 1e-6);
      for (let i = 0; i < g.length; i++) g[i] *= scale;
      clipped = true;
    }
  }
  return clipped;
}
