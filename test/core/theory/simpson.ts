// An independent integrator for the theory tests: adaptive Simpson on a truncated range, split at the kinks.

function simpson(f: (x: number) => number, a: number, b: number, tol: number): number {
  const c = 0.5 * (a + b);
  const fa = f(a);
  const fb = f(b);
  const fc = f(c);
  return refine(f, a, b, fa, fb, fc, ((b - a) / 6) * (fa + 4 * fc + fb), tol, 50);
}

function refine(
  f: (x: number) => number,
  a: number,
  b: number,
  fa: number,
  fb: number,
  fc: number,
  whole: number,
  tol: number,
  depth: number,
): number {
  const c = 0.5 * (a + b);
  const d = 0.5 * (a + c);
  const e = 0.5 * (c + b);
  const fd = f(d);
  const fe = f(e);
  const left = ((c - a) / 6) * (fa + 4 * fd + fc);
  const right = ((b - c) / 6) * (fc + 4 * fe + fb);
  if (depth <= 0 || Math.abs(left + right - whole) <= 15 * tol)
    return left + right + (left + right - whole) / 15;
  return (
    refine(f, a, c, fa, fc, fd, left, tol / 2, depth - 1) +
    refine(f, c, b, fc, fb, fe, right, tol / 2, depth - 1)
  );
}

const density = (z: number) => Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);

/** E[g(z)], z ~ N(0, 1), by adaptive Simpson on [−12, 0] and [0, 12] (the tails beyond are < 1e-32). */
export function simpsonMean(g: (z: number) => number, tol = 1e-13): number {
  const f = (z: number) => g(z) * density(z);
  return simpson(f, -12, 0, tol) + simpson(f, 0, 12, tol);
}

/** E[g(z₁, z₂)] over two independent N(0, 1) by nested adaptive Simpson (the inner split at its kink `kink(z₁)`). */
export function simpsonMean2(
  g: (z1: number, z2: number) => number,
  kink: (z1: number) => number,
  tol = 1e-9,
): number {
  return simpsonMean((z1) => {
    const k = Math.max(-12, Math.min(12, kink(z1)));
    const f = (z2: number) => g(z1, z2) * density(z2);
    return (k > -12 ? simpson(f, -12, k, tol) : 0) + (k < 12 ? simpson(f, k, 12, tol) : 0);
  }, tol);
}
