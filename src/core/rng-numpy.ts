// numpy's legacy generator (np.random.seed / RandomState): MT19937 seeded by init_genrand, legacy_gauss normals.
// Opt-in through `init.rng: "numpy"`, so that the course's `np.random.seed(3); np.random.randn(n_l, n_{l-1})`
// draws the same doubles, bit for bit. Pure and deterministic like Rng, with which it shares the draw interface.
import type { Draws } from './rng.ts';
import { logCorrectlyRounded } from './rng-numpy-log.ts';

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

export class NumpyRandomState implements Draws {
  /** The 624-word MT19937 state (numpy's `key`). */
  private readonly mt = new Uint32Array(N);
  private pos = N;
  /** legacy_gauss keeps the second value of each polar pair for the next call (numpy's has_gauss/gauss). */
  private hasGauss = false;
  private gauss = 0;

  /** As `np.random.seed(seed)` for an integer seed: init_genrand (mt19937_seed in numpy's C). */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new Error(`NumpyRandomState: seed must be an integer in 0..2^32−1 (as numpy's), got ${seed}`);
    }
    let s = seed >>> 0;
    for (let i = 0; i < N; i++) {
      this.mt[i] = s;
      // s = 1812433253·(s ^ (s >> 30)) + i + 1 (mod 2^32)
      s = (Math.imul(1812433253, s ^ (s >>> 30)) + i + 1) >>> 0;
    }
  }

  /** Next 32-bit output of MT19937 (mt19937_next32: regenerate all 624 words when used up, then temper). */
  nextU32(): number {
    if (this.pos === N) this.generate();
    let y = this.mt[this.pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** numpy's random_sample / legacy_double: (a >> 5, b >> 6) as a 53-bit fraction in [0, 1). */
  uniform(): number {
    const a = this.nextU32() >>> 5; // 27 bits
    const b = this.nextU32() >>> 6; // 26 bits
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** np.random.uniform(low, high): low + (high − low)·random_sample. */
  uniformIn(low: number, high: number): number {
    return low + (high - low) * this.uniform();
  }

  /**
   * np.random.standard_normal / randn (legacy_gauss): the polar Box–Muller method. Each accepted pair (x1, x2)
   * returns f·x2 and keeps f·x1 for the next call, f = √(−2·ln r² / r²). C's log is (nearly) correctly rounded;
   * Math.log is not, so ln comes from logCorrectlyRounded.
   */
  normal(): number {
    if (this.hasGauss) {
      this.hasGauss = false;
      const kept = this.gauss;
      this.gauss = 0;
      return kept;
    }
    let x1: number;
    let x2: number;
    let r2: number;
    do {
      x1 = 2 * this.uniform() - 1;
      x2 = 2 * this.uniform() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * logCorrectlyRounded(r2)) / r2);
    this.gauss = f * x1;
    this.hasGauss = true;
    return f * x2;
  }

  /** The twist of all 624 words (the reference mt19937_gen). */
  private generate(): void {
    const mt = this.mt;
    let y: number;
    let i = 0;
    for (; i < N - M; i++) {
      y = (mt[i] & UPPER_MASK) | (mt[i + 1] & LOWER_MASK);
      mt[i] = mt[i + M] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    for (; i < N - 1; i++) {
      y = (mt[i] & UPPER_MASK) | (mt[i + 1] & LOWER_MASK);
      mt[i] = mt[i + (M - N)] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    y = (mt[N - 1] & UPPER_MASK) | (mt[0] & LOWER_MASK);
    mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    this.pos = 0;
  }

  /** As `np.random.get_state()`: the 624 key words and the position in them. */
  state(): { key: Uint32Array; pos: number } {
    return { key: this.mt.slice(), pos: this.pos };
  }
}
