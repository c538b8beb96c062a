// The history downsampler: every step when few, else two points per bucket carrying each series' min and max.
import { describe, expect, it } from 'vitest';
import { FIELD, FIELD_COUNT } from '../../src/core/stats.ts';
import type { StepRow } from '../../src/model/run.ts';
import { HistoryBuilder, LruCache, shortFloat32 } from '../../src/routes/history-buckets.ts';

/** A one-layer row whose gradNorm is `g` and loss `loss`. */
function row(step: number, loss: number, g: number, nonFinite = 0): StepRow {
  const layers = new Float32Array(FIELD_COUNT);
  layers[FIELD.gradNorm] = g;
  layers[FIELD.gradNonFinite] = nonFinite;
  return { step, loss, gradNorm: g, trainAccuracy: null, testAccuracy: null, layers, histograms: null };
}

function build(rows: StepRow[], points: number) {
  const b = new HistoryBuilder(rows.length, points, 1, ['gradNorm']);
  for (const r of rows) b.add(r);
  return b.finish();
}

describe('HistoryBuilder', () => {
  it('keeps every step when they fit', () => {
    const rows = [row(0, 3, 1), row(5, 2, 0.5), row(10, 1, 0.25)];
    const h = build(rows, 3);
    expect(h.bucketed).toBe(false);
    expect(h.steps).toEqual([0, 5, 10]);
    expect(h.loss).toEqual([3, 2, 1]);
    expect(h.values[0][0]).toEqual([1, 0.5, 0.25]);
  });

  it('keeps a one-step spike among 10,000 steps cut into 50 buckets, at both ends of its bucket’s range', () => {
    const rows = Array.from({ length: 10_000 }, (_, s) => row(s, 1 + (s % 7) / 100, 0.5));
    rows[6_543] = row(6_543, 1e30, 0.001);
    const h = build(rows, 100);
    expect(h.bucketed).toBe(true);
    expect(h.steps.length).toBe(100);
    expect(h.steps[0]).toBe(0);
    expect(h.steps.at(-1)).toBe(9_999);
    expect(Math.max(...(h.loss as number[]))).toBe(1e30);
    expect(Math.min(...(h.values[0][0] as number[]))).toBeCloseTo(0.001, 6);
    // The spike's bucket is 6,400..6,599: max after min there (it came late), the step range around it.
    const i = h.loss.indexOf(1e30);
    expect(h.steps[i - 1]).toBeLessThanOrEqual(6_543);
    expect(h.steps[i]).toBeGreaterThanOrEqual(6_543);
    expect(Math.min(...(h.loss as number[]))).toBe(1);
  });

  it('puts the extreme that came first at the first point of a bucket', () => {
    const h = build([row(0, 5, 1), row(1, 1, 1), row(2, 9, 1), row(3, 2, 1)], 2);
    expect(h.steps).toEqual([0, 3]);
    expect(h.loss).toEqual([1, 9]);
    const late = build([row(0, 9, 1), row(1, 1, 1)], 1 + 1);
    expect(late.loss).toEqual([9, 1]);
  });

  it('counts an overflowed ‖dW‖ as a blow-up even when every entry is finite', () => {
    const overflow = row(1, 1e300, 1);
    overflow.layers[FIELD.gradNorm] = Number.POSITIVE_INFINITY;
    expect(build([row(0, 1, 1), overflow], 10).nonFiniteSteps).toEqual([1]);
  });

  it('names the steps that blew up and leaves their non-finite values out of min/max', () => {
    const h = build([row(0, 1, 1), row(1, 2, 3), row(2, Number.POSITIVE_INFINITY, Number.NaN, 4)], 10);
    expect(h.nonFiniteSteps).toEqual([2]);
    expect(h.loss).toEqual([1, 2, null]);
    expect(h.values[0][0]).toEqual([1, 3, null]);
  });
});

describe('shortFloat32', () => {
  it('gives the shortest decimal that reads back as the same float32', () => {
    const values = [0.1, 1 / 3, 1e-30, 3.4e38, -2.5e-7, 123456.789, 1.17549435e-38];
    for (const v of values) {
      const f = Math.fround(v);
      const short = shortFloat32(f)!;
      expect(Math.fround(short)).toBe(f);
      expect(
        String(short)
          .replace(/^-|e.*$|\./g, '')
          .replace(/^0+/, '').length,
      ).toBeLessThanOrEqual(9);
    }
    expect(shortFloat32(Math.fround(0.1))).toBe(0.1);
    expect(shortFloat32(null)).toBeNull();
    expect(shortFloat32(0)).toBe(0);
  });
});

describe('LruCache', () => {
  it('keeps the most recently used entries', () => {
    const c = new LruCache<string, number>(2);
    c.set('a', 1);
    c.set('b', 2);
    expect(c.get('a')).toBe(1); // a is now the most recent
    c.set('c', 3);
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBe(1);
    expect(c.get('c')).toBe(3);
  });
});
