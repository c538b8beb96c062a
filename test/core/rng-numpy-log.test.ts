// The correctly rounded ln behind NumpyRandomState's normals: exact values, edge cases, and never worse than Math.log.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NumpyRandomState } from '../../src/core/rng-numpy.ts';
import { bitDifferences } from '../helpers/bits.ts';

const fixture: { log: { x: number[]; ln: number[] } } = JSON.parse(
  readFileSync(new URL('../fixtures/numpy-rng.json', import.meta.url), 'utf8'),
);

import { logCorrectlyRounded } from '../../src/core/rng-numpy-log.ts';

/** A C99 hexadecimal float such as "0x1.8p-1" (= 0.75), as the fixture script prints r² (Python's float.hex). */
function hexFloat(text: string): number {
  const [, digits, exponent] = /^0x1\.([0-9a-f]{13})p([-+]?\d+)$/.exec(text) ?? [];
  return (1 + Number.parseInt(digits, 16) / 2 ** 52) * 2 ** Number(exponent);
}

describe('logCorrectlyRounded', () => {
  it('rounds where glibc 2.36 misrounded (values of mpmath at 300 bits, as the fixture recorded them)', () => {
    // r² of the three pairs test/fixtures/numpy-rng.json lists, and ln r² correctly rounded.
    expect(logCorrectlyRounded(hexFloat('0x1.cbf81fd17b1a6p-1'))).toBe(-0.10716501712225035);
    expect(logCorrectlyRounded(hexFloat('0x1.e7c3ca362c8d0p-1'))).toBe(-0.048491293860739464);
    expect(logCorrectlyRounded(hexFloat('0x1.6cd6086af933ap-1'))).toBe(-0.3388765067414299);
  });

  it('equals mpmath on 4,000 values: r²-like, near 1, every scale (test/fixtures/numpy-rng.json)', () => {
    const { x, ln } = fixture.log;
    expect(x.length).toBeGreaterThan(3900);
    expect(bitDifferences(x.map(logCorrectlyRounded), ln)).toEqual([]);
  });

  it('is exact where ln is: 1, powers of two, the extremes', () => {
    expect(Object.is(logCorrectlyRounded(1), 0)).toBe(true);
    for (let e = -1074; e <= 1023; e += 13) expect(logCorrectlyRounded(2 ** e)).toBe(Math.log(2 ** e));
    expect(logCorrectlyRounded(5e-324)).toBe(-744.4400719213812);
    expect(logCorrectlyRounded(Number.MAX_VALUE)).toBe(709.782712893384);
    expect(logCorrectlyRounded(Math.E)).toBe(1);
  });

  it('passes NaN, 0, negatives and ∞ on as Math.log does', () => {
    for (const x of [Number.NaN, 0, -0, -1, Number.POSITIVE_INFINITY]) {
      expect(Object.is(logCorrectlyRounded(x), Math.log(x))).toBe(true);
    }
  });

  it('is within one ulp of Math.log (< 1 ulp itself) on a million r² values', () => {
    const rs = new NumpyRandomState(11);
    const ulp = (y: number) => 2 ** (Math.floor(Math.log2(Math.abs(y))) - 52);
    let differ = 0;
    for (let i = 0; i < 1_000_000; i++) {
      const x = rs.uniform() + 1e-300;
      const a = logCorrectlyRounded(x);
      const b = Math.log(x);
      if (a !== b) {
        differ++;
        expect(Math.abs(a - b)).toBeLessThanOrEqual(ulp(b));
      }
    }
    expect(differ).toBeGreaterThan(0); // Math.log does misround: the reason this function exists
  });
});
