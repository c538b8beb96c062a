// RecordSlab: each view is as good as a fresh Float64Array to its holder (zeroed, its own values, any length).
import { describe, expect, it } from 'vitest';
import { RecordSlab } from '../../src/core/record-slab.ts';

describe('RecordSlab', () => {
  it('hands out zeroed views that never overlap, across blocks and for lengths above a block', () => {
    const slab = new RecordSlab();
    const views: Float64Array[] = [];
    for (const n of [54, 900, 1, 0, 8192, 20_000, 54, 7_000, 7_000]) {
      const v = slab.take(n);
      expect(v.length).toBe(n);
      expect(v.every((x) => x === 0)).toBe(true);
      v.fill(views.length + 1);
      views.push(v);
    }
    // Filling each view left every earlier one as it was.
    views.forEach((v, i) => {
      expect(v.every((x) => x === i + 1)).toBe(true);
    });
  });
});
