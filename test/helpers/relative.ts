// Size of a difference between a computed tensor and a reference: max |got − want| over max |want|.

/** max_i |got_i − want_i| / max_i |want_i| over flattened arrays (0 when both are all zeros); Infinity on a length mismatch. */
export function maxRelativeDifference(got: unknown, want: unknown): number {
  const a = flatten(got);
  const b = flatten(want);
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  if (Number.isNaN(diff)) return Number.NaN;
  return diff === 0 ? 0 : diff / scale;
}

function flatten(x: unknown): number[] {
  if (typeof x === 'number') return [x];
  if (x === null || x === undefined) return [];
  return Array.from(x as ArrayLike<unknown>).flatMap(flatten);
}
