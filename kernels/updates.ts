// WebAssembly SIMD (f64x2) optimizer updates in AssemblyScript: SGD, momentum (Nesterov or not), RMSprop and Adam
// applied to ranges of θ in place, fused with the statistics that read the update, in ONE pass over θ, g and the
// optimizer's moments; and gradient clipping's passes with the global norm. Pointers are byte offsets into this
// module's memory (the arena of src/core/wasm/kernels.ts); lengths count values.
//
// Each rule is the same sequence of IEEE-754 operations (+ − × ÷ √, no fused multiply-add in either build) as its
// TypeScript reference in src/core/update-rules.ts, lane by lane, so the two agree bit for bit. With `stats` ≠ 0
// the pass also writes into out[0 … 6) [Σθ², ΣΔθ², Σg, Σg², min g, max g] (θ before the update; min and max skip
// NaNs), lane 0 summing the even indices and lane 1 the odd ones (an odd-length tail to lane 0), then lane 0 +
// lane 1 — the order of moments in src/core/reduce.ts.

import { storeMoments } from './elementwise';

// Rule kinds and their hyper-parameters p[…] (the layout src/core/update-rules.ts writes):
const SGD = 0; // [−lr]
const MOMENTUM = 1; // [−lr, β]
const NESTEROV = 2; // [−lr, β]
const RMSPROP = 3; // [−lr, α, 1−α, ε]
const ADAM = 4; // [−lr, β₁, 1−β₁, β₂, 1−β₂, ε, c₁, c₂]

/** One rule's pass; `kind` and `stats` are constants at every call, so each call compiles to its own loop. */
// @ts-ignore: decorator
@inline function pass(
  kind: i32, stats: bool, theta: usize, g: usize, m: usize, v: usize, len: i32, p: usize, out: usize,
): void {
  const P0 = v128.load64_splat(p);
  const P1 = v128.load64_splat(p + 8);
  const P2 = v128.load64_splat(p + 16);
  const P3 = v128.load64_splat(p + 24);
  const P4 = v128.load64_splat(p + 32);
  const P5 = v128.load64_splat(p + 40);
  const P6 = v128.load64_splat(p + 48);
  const P7 = v128.load64_splat(p + 56);
  let w2 = f64x2.splat(0);
  let u2 = w2;
  let gs = w2;
  let g2 = w2;
  let mn = f64x2.splat(Infinity);
  let mx = f64x2.splat(-Infinity);
  const pairs = <usize>(len >> 1) << 4;
  for (let o: usize = 0; o < pairs; o += 16) {
    const gv = v128.load(g + o);
    const w = v128.load(theta + o);
    let u: v128;
    if (kind == SGD) {
      u = f64x2.mul(P0, gv);
    } else if (kind == MOMENTUM || kind == NESTEROV) {
      const mv = f64x2.add(f64x2.mul(P1, v128.load(m + o)), gv);
      v128.store(m + o, mv);
      u = f64x2.mul(P0, kind == NESTEROV ? f64x2.add(gv, f64x2.mul(P1, mv)) : mv);
    } else if (kind == RMSPROP) {
      const mv = f64x2.add(f64x2.mul(P1, v128.load(m + o)), f64x2.mul(f64x2.mul(P2, gv), gv));
      v128.store(m + o, mv);
      u = f64x2.div(f64x2.mul(P0, gv), f64x2.add(f64x2.sqrt(mv), P3));
    } else {
      const mv = f64x2.add(f64x2.mul(P1, v128.load(m + o)), f64x2.mul(P2, gv));
      const vv = f64x2.add(f64x2.mul(P3, v128.load(v + o)), f64x2.mul(f64x2.mul(P4, gv), gv));
      v128.store(m + o, mv);
      v128.store(v + o, vv);
      u = f64x2.div(f64x2.mul(P0, f64x2.div(mv, P6)), f64x2.add(f64x2.sqrt(f64x2.div(vv, P7)), P5));
    }
    v128.store(theta + o, f64x2.add(w, u));
    if (stats) {
      w2 = f64x2.add(w2, f64x2.mul(w, w));
      u2 = f64x2.add(u2, f64x2.mul(u, u));
      gs = f64x2.add(gs, gv);
      g2 = f64x2.add(g2, f64x2.mul(gv, gv));
      // pmin(a, b) is b < a ? b : a and pmax(a, b) is a < b ? b : a: a NaN never replaces the extreme (one op each).
      mn = f64x2.pmin(mn, gv);
      mx = f64x2.pmax(mx, gv);
    }
  }
  // The odd tail: the same rule on one value (lane 0 of the same operations).
  let wt: f64 = 0;
  let ut: f64 = 0;
  let gt: f64 = 0;
  const tail = (len & 1) != 0;
  if (tail) {
    gt = load<f64>(g + pairs);
    wt = load<f64>(theta + pairs);
    const p0 = load<f64>(p);
    const p1 = load<f64>(p, 8);
    if (kind == SGD) {
      ut = p0 * gt;
    } else if (kind == MOMENTUM || kind == NESTEROV) {
      const mt = p1 * load<f64>(m + pairs) + gt;
      store<f64>(m + pairs, mt);
      ut = p0 * (kind == NESTEROV ? gt + p1 * mt : mt);
    } else if (kind == RMSPROP) {
      const mt = p1 * load<f64>(m + pairs) + load<f64>(p, 16) * gt * gt;
      store<f64>(m + pairs, mt);
      ut = (p0 * gt) / (Math.sqrt(mt) + load<f64>(p, 24));
    } else {
      const mt = p1 * load<f64>(m + pairs) + load<f64>(p, 16) * gt;
      const vt = load<f64>(p, 24) * load<f64>(v + pairs) + load<f64>(p, 32) * gt * gt;
      store<f64>(m + pairs, mt);
      store<f64>(v + pairs, vt);
      ut = (p0 * (mt / load<f64>(p, 48))) / (Math.sqrt(vt / load<f64>(p, 56)) + load<f64>(p, 40));
    }
    store<f64>(theta + pairs, wt + ut);
  }
  if (!stats) return;
  let w20 = f64x2.extract_lane(w2, 0);
  let u20 = f64x2.extract_lane(u2, 0);
  if (tail) {
    w20 += wt * wt;
    u20 += ut * ut;
  }
  store<f64>(out, w20 + f64x2.extract_lane(w2, 1));
  store<f64>(out, u20 + f64x2.extract_lane(u2, 1), 8);
  storeMoments(out + 16, gs, g2, mn, mx, tail, gt);
}

/** Every range r < count of `ranges` (pairs [from, len] of doubles) by one rule; the sums of range r at out + 48·r. */
// @ts-ignore: decorator
@inline function passes(
  kind: i32, stats: bool, theta: usize, g: usize, m: usize, v: usize, ranges: usize, count: i32, p: usize, out: usize,
): void {
  for (let r = 0; r < count; r++) {
    const at = <usize>(<i32>load<f64>(ranges + (<usize>r << 4))) << 3;
    const len = <i32>load<f64>(ranges + (<usize>r << 4), 8);
    pass(kind, stats, theta + at, g + at, m + at, v + at, len, p, out + <usize>r * 48);
  }
}

/**
 * θ[i] += Δθ[i] by rule `kind` over each of `count` ranges [from, from + len) (pairs of doubles at `ranges`), with
 * the hyper-parameters at p (8 doubles) and the moments at m and v, which the rule updates (unused ones may be
 * anything); when stats ≠ 0 the sums of range r go to out[6r … 6r + 6).
 */
export function updateParams(
  kind: i32, stats: i32, theta: usize, g: usize, m: usize, v: usize, ranges: usize, count: i32, p: usize, out: usize,
): void {
  if (stats) {
    if (kind == SGD) passes(SGD, true, theta, g, m, v, ranges, count, p, out);
    else if (kind == MOMENTUM) passes(MOMENTUM, true, theta, g, m, v, ranges, count, p, out);
    else if (kind == NESTEROV) passes(NESTEROV, true, theta, g, m, v, ranges, count, p, out);
    else if (kind == RMSPROP) passes(RMSPROP, true, theta, g, m, v, ranges, count, p, out);
    else passes(ADAM, true, theta, g, m, v, ranges, count, p, out);
  } else if (kind == SGD) passes(SGD, false, theta, g, m, v, ranges, count, p, out);
  else if (kind == MOMENTUM) passes(MOMENTUM, false, theta, g, m, v, ranges, count, p, out);
  else if (kind == NESTEROV) passes(NESTEROV, false, theta, g, m, v, ranges, count, p, out);
  else if (kind == RMSPROP) passes(RMSPROP, false, theta, g, m, v, ranges, count, p, out);
  else passes(ADAM, false, theta, g, m, v, ranges, count, p, out);
}

// ---- gradient clipping and the global norm ----

// sumSquares (the global norm's Σg²) is in elementwise.ts, beside the statistics' reductions that use it too.

/** x[i] = min(max(x[i], −c), c) for i < len, NaN left as is (clip_grad_value_); returns 1 if any value changed. */
export function clampValues(x: usize, len: i32, c: f64): i32 {
  const hi = f64x2.splat(c);
  const lo = f64x2.splat(-c);
  let changed = f64x2.splat(0);
  const pairs = <usize>(len >> 1) << 4;
  for (let o: usize = 0; o < pairs; o += 16) {
    const v = v128.load(x + o);
    const above = f64x2.gt(v, hi);
    const below = f64x2.lt(v, lo);
    v128.store(x + o, v128.bitselect(lo, v128.bitselect(hi, v, above), below));
    changed = v128.or(changed, v128.or(above, below));
  }
  let any = v128.any_true(changed);
  if (len & 1) {
    const t = load<f64>(x + pairs);
    if (t > c) {
      store<f64>(x + pairs, c);
      any = true;
    } else if (t < -c) {
      store<f64>(x + pairs, -c);
      any = true;
    }
  }
  return any ? 1 : 0;
}

/** x[i] *= s for i < len (clip_grad_norm_'s rescaling). */
export function scaleValues(x: usize, len: i32, s: f64): void {
  const sv = f64x2.splat(s);
  const pairs = <usize>(len >> 1) << 4;
  for (let o: usize = 0; o < pairs; o += 16) v128.store(x + o, f64x2.mul(v128.load(x + o), sv));
  if (len & 1) store<f64>(x + pairs, load<f64>(x + pairs) * s);
}
