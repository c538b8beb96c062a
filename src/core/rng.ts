// Seeded PRNG for the core: xoshiro128** (Blackman & Vigna) with 53-bit uniforms and normal sampling.
// No hidden global state: every consumer is handed an Rng, so the same seed gives the same bits.

/** splitmix32, used only to expand a seed into xoshiro's 128-bit state. */
function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** What the initializers draw from: Rng, or NumpyRandomState when a spec asks for numpy's draws. */
export interface Draws {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Uniform in [low, high). */
  uniformIn(low: number, high: number): number;
  /** Standard normal. */
  normal(): number;
}

export class Rng implements Draws {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal = Number.NaN;

  /** `seed` is any finite number; its integer part (mod 2^32) and stream id select the sequence. */
  constructor(seed: number, stream = 0) {
    if (!Number.isFinite(seed)) throw new Error(`Rng: seed must be a finite number, got ${seed}`);
    const mix = splitmix32((Math.trunc(seed) ^ Math.imul(stream + 1, 0x27d4eb2d)) >>> 0);
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = mix();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** Next 32-bit unsigned integer (xoshiro128**). */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [low, high). */
  uniformIn(low: number, high: number): number {
    return low + (high - low) * this.uniform();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Marsaglia polar method; the second value is kept for the next call). */
  normal(): number {
    if (!Number.isNaN(this.spareNormal)) {
      const v = this.spareNormal;
      this.spareNormal = Number.NaN;
      return v;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * m;
    return u * m;
  }

  /** Fisher–Yates shuffle of `order` in place. */
  shuffle(order: Int32Array | number[]): void {
    for (let i = order.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Stream ids keep the PRNGs of different purposes independent for one user seed. */
export const RNG_STREAM = {
  init: 1,
  data: 2,
  shuffle: 3,
  split: 4,
  gradcheck: 5,
  lsuv: 6,
  probe: 7,
} as const;
