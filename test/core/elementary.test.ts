// The elementary functions of src/core/elementary.ts against Math.* in ulps on a million points each (subnormals,
// ±0, huge and non-finite inputs included), their special values, and the WebAssembly SIMD kernels of
// kernels/elementwise.ts against them bit for bit (both builds, odd lengths, every activation and direction).
import { describe, expect, it } from 'vitest';
import { type ActivationParams, activationBackward, activationForward } from '../../src/core/activations.ts';
import { addColumnSums, broadcastRows } from '../../src/core/bias.ts';
import * as E from '../../src/core/elementary.ts';
import { Rng } from '../../src/core/rng.ts';
import { ACTIVATIONS } from '../../src/core/spec.ts';
import {
  createWasmKernels,
  jsKernels,
  UNARY,
  type UnaryName,
  type WasmVariant,
} from '../../src/core/wasm/kernels.ts';

const POINTS = 1_000_000;
const VARIANTS: WasmVariant[] = ['simd', 'relaxed'];

/** Distance in units in the last place between two doubles (0 for two NaNs, Infinity for NaN vs a number). */
const bits = new BigInt64Array(2);
const doubles = new Float64Array(bits.buffer);
function ulps(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  doubles[0] = a;
  doubles[1] = b;
  // Map the sign-magnitude bit patterns onto a line where adjacent doubles differ by 1 (−0 and +0 coincide).
  const line = (x: bigint) => (x < 0n ? -(x & 0x7fffffffffffffffn) : x);
  const d = line(bits[0]) - line(bits[1]);
  return Number(d < 0n ? -d : d);
}

/** Inputs on which the special cases of every function sit. */
const SPECIAL = [
  0,
  -0,
  Number.MIN_VALUE,
  -Number.MIN_VALUE,
  2.2250738585072014e-308,
  -2.2250738585072014e-308,
  1e-300,
  -1e-300,
  2 ** -28,
  -(2 ** -28),
  0.625,
  -0.625,
  Math.LN2 / 2,
  -Math.LN2 / 2,
  0.41421356237309503,
  -0.2928932188134524,
  -1,
  -1 + 2 ** -53,
  1,
  19.06,
  -19.06,
  20,
  -20,
  40,
  -40,
  709.782712893384,
  709.7827128933841,
  -745.1332191019411,
  -745.1332191019412,
  710,
  -746,
  1e308,
  -1e308,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  Infinity,
  -Infinity,
  Number.NaN,
];

/**
 * POINTS inputs: the specials, then alternately uniform in [lo, hi] (where the function varies) and
 * ±2^e·m with e uniform over every exponent (subnormal to huge), `sign` choosing the signs.
 */
function inputs(seed: number, lo: number, hi: number, sign: 'both' | 'negative' = 'both'): Float64Array {
  const rng = new Rng(seed);
  const x = new Float64Array(POINTS);
  x.set(SPECIAL.filter((v) => sign === 'both' || !(v > 0)));
  for (let i = SPECIAL.length; i < POINTS; i++) {
    if (i % 2 === 0) x[i] = rng.uniformIn(lo, hi);
    else {
      const magnitude = (1 + rng.uniform()) * 2 ** (rng.int(2098) - 1075);
      x[i] = sign === 'negative' || rng.uniform() < 0.5 ? -magnitude : magnitude;
    }
  }
  return x;
}

/** Math.* forms of the functions (sigmoid and softplus in the stable forms the core used before). */
const MATH: Record<UnaryName, (x: number) => number> = {
  exp: Math.exp,
  expm1: Math.expm1,
  log1p: Math.log1p,
  tanh: Math.tanh,
  sigmoid: (z) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z))),
  softplus: (z) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))),
};

/** For each function: where it varies, which signs it takes, and the ulps allowed (the measured maximum). */
const CASES: Record<UnaryName, { lo: number; hi: number; sign?: 'negative'; maxUlps: number }> = {
  exp: { lo: -750, hi: 712, maxUlps: 1 },
  expm1: { lo: -45, hi: 0, sign: 'negative', maxUlps: 2 },
  log1p: { lo: -1, hi: 10, maxUlps: 1 },
  tanh: { lo: -22, hi: 22, maxUlps: 3 },
  sigmoid: { lo: -750, hi: 750, maxUlps: 2 },
  softplus: { lo: -750, hi: 750, maxUlps: 2 },
};

const REFERENCE: Record<UnaryName, (x: number) => number> = {
  exp: E.exp,
  expm1: E.expm1Negative,
  log1p: E.log1p,
  tanh: E.tanh,
  sigmoid: E.sigmoid,
  softplus: E.softplus,
};

describe.each(UNARY)('%s', (name) => {
  const { lo, hi, sign, maxUlps } = CASES[name];
  const x = inputs(UNARY.indexOf(name) + 1, lo, hi, sign);

  it(`is within ${maxUlps} ulp of Math.${name === 'sigmoid' || name === 'softplus' ? 'exp/log1p' : name} on ${POINTS} points`, () => {
    const f = REFERENCE[name];
    const g = MATH[name];
    let worst = 0;
    let at = 0;
    for (let i = 0; i < x.length; i++) {
      const d = ulps(f(x[i]), g(x[i]));
      if (d > worst) {
        worst = d;
        at = x[i];
      }
    }
    expect(worst, `${name}: worst ${worst} ulp at x = ${at}`).toBeLessThanOrEqual(maxUlps);
  });

  it('gives Math.* exactly on the special values (signed zeros, subnormals, limits, infinities, NaN)', () => {
    const f = REFERENCE[name];
    for (const v of SPECIAL) {
      if (sign === 'negative' && v > 0) continue;
      const got = f(v);
      const want = MATH[name](v);
      // Exactly representable results (0, ±1, ±∞, NaN, x itself) must match bit for bit, the rest within maxUlps.
      if (Object.is(want, v) || !Number.isFinite(want) || want === 0 || Math.abs(want) === 1) {
        expect(Object.is(got, want), `${name}(${v}) = ${got}, Math gives ${want}`).toBe(true);
      } else {
        expect(ulps(got, want), `${name}(${v})`).toBeLessThanOrEqual(maxUlps);
      }
    }
  });

  it.each(VARIANTS)('runs bit-identically in the %s wasm build, also on an odd tail', (variant) => {
    const n = x.length - 1;
    const wasm = createWasmKernels(2 * n + 4, variant);
    const [wx, wy] = [wasm.f64(n), wasm.f64(n)];
    wx.set(x.subarray(0, n));
    wasm.unary(name, wx, wy, n);
    const want = new Float64Array(n);
    jsKernels.unary(name, x, want, n);
    let mismatches = 0;
    let first = -1;
    for (let i = 0; i < n; i++) {
      if (ulps(wy[i], want[i]) !== 0 || Object.is(wy[i], -0) !== Object.is(want[i], -0)) {
        mismatches++;
        if (first < 0) first = i;
      }
    }
    expect(mismatches, `first at x = ${x[first]}: wasm ${wy[first]}, ts ${want[first]}`).toBe(0);
  });
});

describe('elu', () => {
  it('is within 2 ulp of α·Math.expm1 for z ≤ 0 and z itself above, on a million points', () => {
    const x = inputs(99, -45, 45);
    const alpha = 1.7;
    let worst = 0;
    for (const z of x) {
      const want = z > 0 ? z : alpha * Math.expm1(z);
      worst = Math.max(worst, ulps(E.elu(z, alpha), want));
    }
    expect(worst).toBeLessThanOrEqual(2);
    expect(Object.is(E.elu(-0, 1), -0)).toBe(true);
    expect(E.elu(-Infinity, 2)).toBe(-2);
    expect(E.elu(Number.NaN, 1)).toBeNaN();
  });
});

describe('activation kernels in wasm', () => {
  const ELEMENTWISE = ACTIVATIONS.filter((a) => a !== 'softmax');
  const p: ActivationParams = { leakySlope: 0.03, eluAlpha: 1.3 };
  // Odd length: the last value goes through the kernels' one-lane tail.
  const n = 10_001;
  const rng = new Rng(17);
  const Z = Float64Array.from({ length: n }, (_, i) =>
    i < SPECIAL.length ? SPECIAL[i] : rng.normal() * (i % 3 === 0 ? 30 : 2),
  );
  const dA = Float64Array.from({ length: n }, () => rng.normal());

  it.each(VARIANTS.flatMap((v) => ELEMENTWISE.map((a) => [v, a] as const)))(
    '%s build, %s: forward and backward give the TypeScript reference bit for bit',
    (variant, activation) => {
      const wasm = createWasmKernels(6 * n + 12, variant);
      const [wz, wa, wd, wdz] = [wasm.f64(n), wasm.f64(n), wasm.f64(n), wasm.f64(n)];
      wz.set(Z);
      wd.set(dA);
      const A = new Float64Array(n);
      const dZ = new Float64Array(n);
      activationForward(activation, Z, A, n, p);
      wasm.activationForward(activation, wz, wa, n, p);
      expect(Array.from(wa, String)).toEqual(Array.from(A, String));
      activationBackward(activation, Z, A, dA, dZ, n, p);
      wasm.activationBackward(activation, wz, wa, wd, wdz, n, p);
      expect(Array.from(wdz, String)).toEqual(Array.from(dZ, String));
    },
  );

  it('refuse softmax, naming the kernel', () => {
    const wasm = createWasmKernels(8);
    const [z, a] = [wasm.f64(2), wasm.f64(2)];
    expect(() => wasm.activationForward('softmax', z, a, 2, p)).toThrow(
      'activationForward: softmax is not element-wise',
    );
  });

  it('write nothing past len', () => {
    const wasm = createWasmKernels(16);
    const [z, a] = [wasm.f64(4), wasm.f64(4)];
    z.set([0.5, -0.5, 3, 4]);
    a.fill(7);
    wasm.activationForward('tanh', z, a, 3, p);
    expect(a[3]).toBe(7);
    expect(a[2]).toBe(E.tanh(3));
  });
});

describe('bias kernels in wasm', () => {
  it.each([
    [5, 7],
    [256, 64],
    [3, 1],
    [1, 10],
  ])(
    'broadcastRows and addColumnSums on (%i, %i) give the TypeScript reference bit for bit',
    (rows, cols) => {
      const rng = new Rng(rows * 100 + cols);
      const b = Float64Array.from({ length: cols }, () => rng.normal());
      const dZ = Float64Array.from({ length: rows * cols }, () => rng.normal() * 1e3);
      const db = Float64Array.from({ length: cols }, () => rng.normal());
      const wasm = createWasmKernels(3 * rows * cols + 4 * cols + 16);
      const [wb, wz, wdz, wdb] = [
        wasm.f64(cols),
        wasm.f64(rows * cols + 1),
        wasm.f64(rows * cols),
        wasm.f64(cols),
      ];
      wb.set(b);
      wdz.set(dZ);
      wdb.set(db);
      wz[rows * cols] = 42;
      const Z = new Float64Array(rows * cols);
      broadcastRows(b, Z, rows, cols);
      wasm.broadcastRows(wb, wz, rows, cols);
      expect(Array.from(wz.subarray(0, rows * cols))).toEqual(Array.from(Z));
      expect(wz[rows * cols]).toBe(42);
      addColumnSums(dZ, db, rows, cols);
      wasm.addColumnSums(wdz, wdb, rows, cols);
      expect(Array.from(wdb)).toEqual(Array.from(db));
    },
  );
});
