// The optimizers' element-wise update rules (PyTorch's), applied to θ in place and fused with the statistics that
// read the update, and gradient clipping's element-wise passes: the plain TypeScript reference of kernels/updates.ts, bit for bit (same operations, same order,
// the sums in two sets as that kernel's two lanes).

/** Rule kinds, as kernels/updates.ts numbers them. */
export const UPDATE_RULE = { sgd: 0, momentum: 1, nesterov: 2, rmsprop: 3, adam: 4 } as const;
export type UpdateRuleKind = (typeof UPDATE_RULE)[keyof typeof UPDATE_RULE];

/** Doubles in a rule's hyper-parameter vector (the kernel reads all eight). */
export const UPDATE_PARAMS = 8;

/**
 * A rule and its hyper-parameters p (UPDATE_PARAMS doubles, from the run's arena):
 * sgd [−lr]; momentum and nesterov [−lr, β]; rmsprop [−lr, α, 1−α, ε]; adam [−lr, β₁, 1−β₁, β₂, 1−β₂, ε, c₁, c₂]
 * (cᵢ = 1 − βᵢᵗ, rewritten every step).
 */
export interface UpdateRule {
  kind: UpdateRuleKind;
  p: Float64Array;
}

/** Sums a recorded step's pass writes: [Σθ², ΣΔθ², Σg, Σg², min g, max g] (θ before the update). */
export const UPDATE_SUMS = 6;

/** Δθ of one value g = g[i] by `rule`, advancing its moments m[i], v[i]. */
function delta(rule: UpdateRule, m: Float64Array, v: Float64Array, i: number, g: number): number {
  const { kind, p } = rule;
  if (kind === UPDATE_RULE.sgd) return p[0] * g;
  if (kind === UPDATE_RULE.momentum || kind === UPDATE_RULE.nesterov) {
    // torch.optim.SGD(momentum=β): v = β·v + g; Δθ = −lr·v (Nesterov: −lr·(g + β·v)).
    const mi = p[1] * m[i] + g;
    m[i] = mi;
    return p[0] * (kind === UPDATE_RULE.nesterov ? g + p[1] * mi : mi);
  }
  if (kind === UPDATE_RULE.rmsprop) {
    // torch.optim.RMSprop: s = α·s + (1−α)·g²; Δθ = −lr·g / (√s + ε).
    const mi = p[1] * m[i] + p[2] * g * g;
    m[i] = mi;
    return (p[0] * g) / (Math.sqrt(mi) + p[3]);
  }
  // torch.optim.Adam: m, v moving averages with bias correction; Δθ = −lr·m̂ / (√v̂ + ε).
  const mi = p[1] * m[i] + p[2] * g;
  const vi = p[3] * v[i] + p[4] * g * g;
  m[i] = mi;
  v[i] = vi;
  return (p[0] * (mi / p[6])) / (Math.sqrt(vi / p[7]) + p[5]);
}

/**
 * θ[i] += Δθ[i] over each of `count` ranges [from, from + len) (pairs of `ranges`), Δθ from g[i] by `rule`
 * (updating its moments m, v: like θ and g, views of the whole parameter vector); when `into` is given, the
 * UPDATE_SUMS sums of range r into into[UPDATE_SUMS·r …].
 */
export function updateParams(
  rule: UpdateRule,
  theta: Float64Array,
  g: Float64Array,
  m: Float64Array,
  v: Float64Array,
  ranges: Float64Array,
  count: number,
  into: Float64Array | null,
): void {
  for (let r = 0; r < count; r++) {
    updateRange(rule, theta, g, m, v, ranges[2 * r], ranges[2 * r + 1], into, UPDATE_SUMS * r);
  }
}

/**
 * One range: two values at a time, the first of each pair (and an odd tail) into one set of sums, the second
 * into another, then the two sets added (into[at …]).
 */
function updateRange(
  rule: UpdateRule,
  theta: Float64Array,
  g: Float64Array,
  m: Float64Array,
  v: Float64Array,
  from: number,
  len: number,
  into: Float64Array | null,
  at: number,
): void {
  let [w20, u20, gs0, g20, min0, max0] = [0, 0, 0, 0, Infinity, -Infinity];
  let [w21, u21, gs1, g21, min1, max1] = [0, 0, 0, 0, Infinity, -Infinity];
  const end = from + len;
  for (let i = from; i < end; i += 2) {
    const [w, gi] = [theta[i], g[i]];
    const u = delta(rule, m, v, i, gi);
    theta[i] = w + u;
    if (into !== null) {
      [w20, u20, gs0, g20] = [w20 + w * w, u20 + u * u, gs0 + gi, g20 + gi * gi];
      if (gi < min0) min0 = gi;
      if (gi > max0) max0 = gi;
    }
    if (i + 1 === end) break;
    const [x, gj] = [theta[i + 1], g[i + 1]];
    const t = delta(rule, m, v, i + 1, gj);
    theta[i + 1] = x + t;
    if (into !== null) {
      [w21, u21, gs1, g21] = [w21 + x * x, u21 + t * t, gs1 + gj, g21 + gj * gj];
      if (gj < min1) min1 = gj;
      if (gj > max1) max1 = gj;
    }
  }
  if (into === null) return;
  into[at] = w20 + w21;
  into[at + 1] = u20 + u21;
  into[at + 2] = gs0 + gs1;
  into[at + 3] = g20 + g21;
  into[at + 4] = min1 < min0 ? min1 : min0;
  into[at + 5] = max1 > max0 ? max1 : max0;
}

/** x[i] = min(max(x[i], −c), c), NaN left as is (torch.nn.utils.clip_grad_value_); whether any value changed. */
export function clampValues(x: Float64Array, c: number): boolean {
  let changed = false;
  for (let i = 0; i < x.length; i++) {
    if (x[i] > c) {
      x[i] = c;
      changed = true;
    } else if (x[i] < -c) {
      x[i] = -c;
      changed = true;
    }
  }
  return changed;
}

/** x[i] *= s (clip_grad_norm_'s rescaling). */
export function scaleValues(x: Float64Array, s: number): void {
  for (let i = 0; i < x.length; i++) x[i] *= s;
}
