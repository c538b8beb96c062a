// Gauss–Hermite quadrature for Gaussian expectations: E[f(z)], z ~ N(0, 1), as Σ_i w_i f(z_i).

/** Nodes z (ascending) and weights w (Σ w = 1) of an n-point rule exact for polynomials of degree < 2n. */
export interface GaussRule {
  z: Float64Array;
  w: Float64Array;
}

/**
 * The n-point rule for the standard normal density. The physicists' rule (weight e^{−x²}) is found by Newton's
 * method on the orthonormal Hermite recurrence (Numerical Recipes' gauher, stable well past n = 200), then mapped:
 * z = √2·x, w = w_x/√π. Even n puts no node at 0, so the rule is symmetric about the ReLU kink.
 */
export function gaussHermite(n: number): GaussRule {
  if (!Number.isInteger(n) || n < 1 || n > 400)
    throw new Error(`gaussHermite: n must be an integer in 1..400, got ${n}`);
  const x = new Float64Array(n);
  const wx = new Float64Array(n);
  const PIM4 = Math.PI ** -0.25;
  const m = Math.floor((n + 1) / 2);
  let guess = 0;
  for (let i = 0; i < m; i++) {
    // initial guesses for the largest roots, then each from the two before it (Numerical Recipes §4.6)
    if (i === 0) guess = Math.sqrt(2 * n + 1) - 1.85575 * (2 * n + 1) ** -0.16667;
    else if (i === 1) guess -= (1.14 * n ** 0.426) / guess;
    else if (i === 2) guess = 1.86 * guess - 0.86 * x[0];
    else if (i === 3) guess = 1.91 * guess - 0.91 * x[1];
    else guess = 2 * guess - x[i - 2];
    let dp = 0;
    for (let it = 0; it < 100; it++) {
      // p1 = H̃_n(guess), orthonormal Hermite polynomials by their three-term recurrence
      let p1 = PIM4;
      let p2 = 0;
      for (let j = 1; j <= n; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = guess * Math.sqrt(2 / j) * p2 - Math.sqrt((j - 1) / j) * p3;
      }
      dp = Math.sqrt(2 * n) * p2;
      const step = p1 / dp;
      guess -= step;
      if (Math.abs(step) <= 1e-15 * Math.max(1, Math.abs(guess))) break;
    }
    x[i] = guess;
    x[n - 1 - i] = -guess;
    wx[i] = 2 / (dp * dp);
    wx[n - 1 - i] = wx[i];
  }
  const z = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    // ascending order: x was filled from the largest root down
    z[i] = Math.SQRT2 * x[n - 1 - i];
    w[i] = wx[n - 1 - i] / Math.sqrt(Math.PI);
  }
  if (n % 2 === 1) z[(n - 1) / 2] = 0;
  return { z, w };
}
