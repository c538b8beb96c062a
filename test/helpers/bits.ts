// Bitwise comparison of float64 arrays: the indices where two arrays differ in any bit (−0 ≠ 0, NaN = same NaN).

/** Up to `limit` differences between `got` and `want` as "[i] got ≠ want", plus a length mismatch if any. */
export function bitDifferences(got: ArrayLike<number>, want: ArrayLike<number>, limit = 5): string[] {
  const out: string[] = [];
  if (got.length !== want.length) out.push(`length ${got.length} ≠ ${want.length}`);
  const a = new BigUint64Array(Float64Array.from(got).buffer);
  const b = new BigUint64Array(Float64Array.from(want).buffer);
  for (let i = 0; i < Math.min(a.length, b.length) && out.length < limit; i++) {
    if (a[i] !== b[i]) out.push(`[${i}] ${got[i]} ≠ ${want[i]}`);
  }
  return out;
}
