// The dashboard's decimation keeps charts small for any run length while keeping the first and newest points.
import { describe, expect, it } from 'vitest';
import { DecimatedColumns, positive } from '../../web/src/series.ts';

describe('DecimatedColumns', () => {
  it('keeps every point while under the limit', () => {
    const d = new DecimatedColumns(2, 10);
    for (let s = 0; s < 10; s++) d.push(s * 5, [s, -s]);
    expect(d.x).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40, 45]);
    expect(d.columns[1][3]).toBe(-3);
    expect(d.received).toBe(10);
  });

  it('never holds more than maxPoints (+ the newest), evenly spaced, first and newest kept', () => {
    const max = 100;
    const d = new DecimatedColumns(1, max);
    for (let s = 0; s < 10_000; s++) {
      d.push(s, [s * 2]);
      expect(d.length).toBeLessThanOrEqual(max + 1);
      expect(d.x[0]).toBe(0);
      expect(d.x[d.length - 1]).toBe(s);
    }
    expect(d.length).toBeGreaterThan(max / 2);
    const gaps = new Set(d.x.slice(1, -1).map((x, i) => x - d.x[i]));
    expect(gaps.size).toBe(1); // one stride between all kept points (the newest aside)
    expect(d.columns[0]).toEqual(d.x.map((x) => x * 2));
  });

  it('replaces an off-grid newest point by the next one', () => {
    const d = new DecimatedColumns(1, 4);
    for (let s = 0; s < 6; s++) d.push(s, [s]);
    // 5 points forced stride 2: 0, 2, 4 on the grid, 5 kept as the newest.
    expect(d.x).toEqual([0, 2, 4, 5]);
    d.push(6, [6]);
    expect(d.x).toEqual([0, 2, 4, 6]);
  });

  it('aligns as uPlot data and maps non-positive values to null for log axes', () => {
    const d = new DecimatedColumns(2, 10);
    d.push(1, [positive(0), positive(3)]);
    expect(d.aligned()).toEqual([[1], [null], [3]]);
    expect(positive(null)).toBeNull();
    expect(positive(-1)).toBeNull();
  });
});
