// The history downsampler: every step when few, else two points per bucket carrying each series' min and max.
import { describe, expect, it } from 'vitest';
import { FIELD, FIELD_COUNT } from '../../src/core/stats.ts';
import type { StepRow } from '../../src/model/run.ts';
import { HistoryBuilder, LruCache, shortFloat32 } from '../../src/routes/history-buckets.ts';
import { historyFromArrays } from '../../src/schemas/history-binary.ts';

/** A one-layer row whose gradNorm is `g` and loss `loss`. */
function row(step: number, loss: number, g: number, nonFinite = 0): StepRow {
  const layers = new Float32Array(FIELD_COUNT);
  layers[FIELD.gradNorm] = g;
  layers[FIELD.gradNonFinite] = nonFinite;
  return { step, loss, gradNorm: g, trainAccuracy: null, testAccuracy: null, layers, histograms: null };
}

/** The builder's columns in the JSON answer's form (NaN → null). */
function build(rows: StepRow[], points: number, announced = rows.length) {
  const b = new HistoryBuilder(announced, points, 1, ['gradNorm']);
  for (const r of rows) b.add(r);
  const columns = b.finish();
  expect(columns.values.length).toBe(columns.points);
  return historyFromArrays({
    runId: 'r',
    fields: ['gradNorm'],
    layerCount: 1,
    totalSteps: announced,
    lastStep: null,
    ...columns,
  });
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

  it('puts each layer’s fields in their own series, bucketed, against a plain re-count of every bucket', () => {
    const L = 3;
    const fields = ['gradNorm', 'deadFrac'] as const;
    const total = 1_001;
    const value = (s: number, l: number, f: number) =>
      (s * 7 + l * 13 + f * 31) % 17 === 0 ? Number.NaN : Math.fround(Math.sin(s * (l + 1) + f) * 10 ** l);
    const rows: StepRow[] = Array.from({ length: total }, (_, s) => {
      const layers = new Float32Array(L * FIELD_COUNT);
      for (let l = 0; l < L; l++) {
        for (const [k, f] of fields.entries()) layers[l * FIELD_COUNT + FIELD[f]] = value(s, l, k);
      }
      return {
        step: 3 * s,
        loss: s % 5,
        gradNorm: 1,
        trainAccuracy: null,
        testAccuracy: null,
        layers,
        histograms: null,
      };
    });
    const b = new HistoryBuilder(total, 60, L, fields);
    for (const r of rows) b.add(r);
    const h = b.finish();
    const size = Math.ceil(total / 30);
    expect(h.points).toBe(2 * Math.ceil(total / size) - (total % size === 1 ? 1 : 0));
    let p = 0;
    for (let start = 0; start < total; start += size) {
      const bucket = rows.slice(start, start + size);
      expect(h.steps[p]).toBe(bucket[0].step);
      for (let l = 0; l < L; l++) {
        for (let k = 0; k < fields.length; k++) {
          const xs = bucket.map((_, i) => value(start + i, l, k));
          const finite = xs.filter(Number.isFinite);
          const lo = Math.min(...finite);
          const hi = Math.max(...finite);
          const first = xs.indexOf(lo) <= xs.indexOf(hi) ? [lo, hi] : [hi, lo];
          const series = h.values.subarray(
            (l * fields.length + k) * h.points,
            (l * fields.length + k + 1) * h.points,
          );
          expect(Array.from(series.subarray(p, p + Math.min(2, bucket.length)))).toEqual(
            first.slice(0, bucket.length),
          );
        }
      }
      p += bucket.length > 1 ? 2 : 1;
    }
    expect(p).toBe(h.points);
  });

  it('closes the gaps when fewer rows come than announced, and refuses more', () => {
    const h = build([row(0, 3, 1), row(1, 2, 0.5)], 10, 5);
    expect(h.steps).toEqual([0, 1]);
    expect(h.values[0][0]).toEqual([1, 0.5]);
    const b = new HistoryBuilder(1, 10, 1, ['gradNorm']);
    b.add(row(0, 1, 1));
    expect(() => b.add(row(1, 1, 1))).toThrow(/more than the 1 rows/);
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
