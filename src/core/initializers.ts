// Weight and bias initializers: fill each layer's W (fanOut, fanIn) and b from an InitSpec with a passed-in Rng.
// Every random scheme draws its values in row-major order of W, so the same Rng state gives the same bits.
// `gain` (default 1) multiplies the final values of every scheme: final = gain × base.
// `init.rng` picks the generator: our xoshiro128** Rng (default), or numpy's legacy one (see NUMPY_SCHEMES).
import { SpecError } from './errors.ts';
import { type LayerShape, type Layout, viewsOf } from './model.ts';
import { type Draws, RNG_STREAM, Rng } from './rng.ts';
import { NumpyRandomState } from './rng-numpy.ts';
import type { ActivationName, BiasInit, FanMode, InitScheme, InitSchemeName, InitSpec } from './spec.ts';

/**
 * Std of a standard normal truncated to [-2, 2] (Keras writes it 0.87962566103423978; same double).
 * Keras' VarianceScaling divides its std by it so that the truncated draws keep the target variance.
 */
export const TRUNCATED_NORMAL_STD = 0.8796256610342398;

/** Gain recommended for an activation, as PyTorch's nn.init.calculate_gain. */
export function recommendedGain(activation: ActivationName, leakySlope: number): number {
  if (activation === 'tanh') return 5 / 3;
  if (activation === 'relu') return Math.SQRT2;
  if (activation === 'leaky_relu') return Math.sqrt(2 / (1 + leakySlope * leakySlope));
  // linear, sigmoid: 1 as PyTorch. softmax, elu, softplus: PyTorch has none (it raises; 3/4 is for selu only): 1.
  return 1;
}

/** Whether the scheme needs data after the draw (LSUV: orthogonal start here, rescaling elsewhere). */
export function isDataDriven(scheme: InitScheme | InitSchemeName): boolean {
  return (typeof scheme === 'string' ? scheme : scheme.scheme) === 'lsuv';
}

/**
 * The generator `init` asks for, seeded with init.seed (default 0): with rng "numpy", `np.random.seed(seed)`, so
 * that each layer's draw equals numpy's expression for its scheme (NUMPY_SCHEMES), layers drawn in order.
 */
export function initRng(init: InitSpec): Draws {
  const seed = init.seed ?? 0;
  return init.rng === 'numpy' ? new NumpyRandomState(seed) : new Rng(seed, RNG_STREAM.init);
}

/**
 * The schemes rng "numpy" honours, and the numpy expression each one's W (fanOut, fanIn) is then, bit for bit
 * (s = np.sqrt; n as variance_scaling's mode picks it; × gain when a gain is given). The course's
 * `np.random.randn(n_l, n_{l−1}) * 10` is normal {std: 10}; its `* np.sqrt(2./n_{l−1})` is he_normal. Schemes that
 * draw nothing are honoured too. Truncated normals (numpy has none) and the QR-based ones (orthogonal, lsuv: our
 * Householder QR is not LAPACK's) are refused, so that a spec never claims numpy's draws and gets others.
 */
export const NUMPY_SCHEMES: Partial<Record<InitSchemeName, string>> = {
  zeros: 'np.zeros((out, in))',
  constant: 'np.full((out, in), value)',
  identity: 'scale on the diagonal of np.zeros((out, in))',
  matrix: 'the given values',
  normal: 'np.random.normal(mean, std, (out, in)); with mean 0, np.random.randn(out, in) * std',
  uniform: 'np.random.uniform(low, high, (out, in))',
  xavier_normal: 'np.random.randn(out, in) * s(2 / (in + out))',
  xavier_uniform: 'np.random.uniform(-s(6 / (in + out)), s(6 / (in + out)), (out, in))',
  he_normal: 'np.random.randn(out, in) * s(2 / in) (fan_out: s(2 / out))',
  he_uniform: 'np.random.uniform(-s(6 / in), s(6 / in), (out, in)) (fan_out: out)',
  lecun_uniform: 'np.random.uniform(-s(3 * (1 / in)), s(3 * (1 / in)), (out, in))',
  variance_scaling:
    'distribution normal: np.random.randn(out, in) * s(scale / n); uniform: np.random.uniform(-s(3 * (scale / n)), ' +
    's(3 * (scale / n)), (out, in)); truncated_normal (its default) is refused',
};

const NUMPY_HONOURED = Object.keys(NUMPY_SCHEMES)
  .join(', ')
  .replace('variance_scaling', 'variance_scaling (distribution normal or uniform)');

/** Why rng "numpy" cannot draw `s`, or null when it can. */
function numpyRefusal(s: InitScheme): string | null {
  if (s.scheme === 'variance_scaling') {
    return (s.distribution ?? 'truncated_normal') === 'truncated_normal'
      ? 'a truncated normal (numpy has none): choose distribution "normal" or "uniform"'
      : null;
  }
  if (Object.hasOwn(NUMPY_SCHEMES, s.scheme)) return null;
  if (s.scheme === 'orthogonal' || s.scheme === 'lsuv')
    return "a QR factorization that is not numpy's (LAPACK's)";
  return 'a truncated normal (numpy has none)';
}

/** Fill one layer's W (fanOut, fanIn), row-major, according to `scheme`. */
export function fillWeights(shape: LayerShape, scheme: InitScheme, rng: Draws, W: Float64Array): void {
  const n = shape.fanOut * shape.fanIn;
  if (W.length !== n)
    throw new Error(`fillWeights: layer ${shape.index} W has ${W.length} values, expected ${n}`);
  checkWeights(shape, scheme, { fn: 'fillWeights', layer: shape.index, field: 'weights' });
  drawWeights(shape, scheme, rng, W);
}

const ZERO_BIAS: BiasInit = { scheme: 'zeros' };

/**
 * Fill every layer's W and b in the flat `params` (laid out by `layout`) from `init`, drawing from `rng` layer by
 * layer. Everything is checked before anything is drawn, so an error leaves `params` and `rng` untouched.
 */
export function initializeParameters(layout: Layout, init: InitSpec, rng: Draws, params: Float64Array): void {
  const views = viewsOf(layout, params);
  planInitialization(layout, init).forEach(({ shape, weights, bias }, i) => {
    drawWeights(shape, weights, rng, views[i].W);
    if (shape.hasBias) fillBias(bias, views[i].b);
  });
}

/** Checks `init` against the network without drawing anything (errors as initializeParameters throws them). */
export function checkInitialization(layout: Layout, init: InitSpec): void {
  planInitialization(layout, init);
}

/** Resolves each layer's weight scheme and bias init (overrides applied) and checks them all. */
function planInitialization(
  layout: Layout,
  init: InitSpec,
): { shape: LayerShape; weights: InitScheme; bias: BiasInit }[] {
  const fn = 'initializeParameters';
  const count = layout.layers.length;
  const overrides = init.overrides ?? [];
  const overrideOf = new Array<number>(count).fill(-1); // layer → index into overrides
  overrides.forEach((o, k) => {
    if (!Number.isInteger(o.layer) || o.layer < 0 || o.layer >= count) {
      throw new Error(
        `${fn}: overrides[${k}].layer must be an integer in 0..${count - 1} (the network has ${count} layers), got ${o.layer}`,
      );
    }
    if (overrideOf[o.layer] >= 0) {
      throw new Error(`${fn}: overrides[${k}].layer = ${o.layer} repeats overrides[${overrideOf[o.layer]}]`);
    }
    if (o.bias !== undefined && !layout.layers[o.layer].hasBias) {
      throw new Error(`${fn}: layer ${o.layer} overrides[${k}].bias is given, but the layer has no bias`);
    }
    overrideOf[o.layer] = k;
  });
  return layout.layers.map((shape) => {
    const k = overrideOf[shape.index];
    const o = k >= 0 ? overrides[k] : undefined;
    const weights = o?.weights ?? init.weights;
    const bias = o?.bias ?? init.bias ?? ZERO_BIAS;
    const at = (field: string, overridden: boolean): At => ({
      fn,
      layer: shape.index,
      field: overridden ? `overrides[${k}].${field}` : field,
    });
    checkWeights(shape, weights, at('weights', o?.weights !== undefined));
    const refusal = init.rng === 'numpy' ? numpyRefusal(weights) : null;
    if (refusal !== null) {
      const path = o?.weights ? ['overrides', k, 'weights', 'scheme'] : ['weights', 'scheme'];
      throw new SpecError(
        path,
        `layer ${shape.index} ${path.join('.')} "${weights.scheme}" cannot be drawn with rng "numpy": it ` +
          `needs ${refusal}. rng "numpy" honours ${NUMPY_HONOURED}`,
      );
    }
    if (shape.hasBias) checkBias(shape, bias, at('bias', o?.bias !== undefined));
    return { shape, weights, bias };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Drawing. Arguments are already checked.

function drawWeights(shape: LayerShape, s: InitScheme, rng: Draws, W: Float64Array): void {
  const { fanIn, fanOut } = shape;
  // zeros, constant: PyTorch zeros_, constant_.
  if (s.scheme === 'zeros') W.fill(0);
  else if (s.scheme === 'constant') W.fill(s.value);
  else if (s.scheme === 'identity') {
    // PyTorch nn.init.eye_: scale on the main diagonal W[i][i], i < min(fanOut, fanIn), zeros elsewhere.
    W.fill(0);
    for (let i = 0; i < Math.min(fanOut, fanIn); i++) W[i * fanIn + i] = s.scale ?? 1;
  } else if (s.scheme === 'matrix') {
    for (let i = 0; i < fanOut; i++) W.set(s.values[i], i * fanIn); // given (fanOut, fanIn), copied
  } else if (s.scheme === 'orthogonal' || s.scheme === 'lsuv') {
    // PyTorch nn.init.orthogonal_. LSUV starts from it; its data-driven rescaling lives with the training code.
    fillOrthogonal(rng, fanOut, fanIn, W);
  } else fillRandom(rng, W, distributionOf(shape, s));
  const gain = s.gain ?? 1;
  if (gain !== 1) for (let i = 0; i < W.length; i++) W[i] = gain * W[i];
}

/** N(a, b²); N(a, b²) with draws beyond a ± 2·b redrawn ('truncated'); or U[a, b). */
interface Distribution {
  kind: 'normal' | 'truncated' | 'uniform';
  a: number;
  b: number;
}
type RandomScheme = Exclude<
  InitScheme,
  { scheme: 'zeros' | 'constant' | 'identity' | 'matrix' | 'orthogonal' | 'lsuv' }
>;

function distributionOf(shape: LayerShape, s: RandomScheme): Distribution {
  const { fanIn, fanOut } = shape;
  const normal = (std: number): Distribution => ({ kind: 'normal', a: 0, b: std });
  const uniform = (limit: number): Distribution => ({ kind: 'uniform', a: -limit, b: limit });
  switch (s.scheme) {
    // PyTorch nn.init.normal_: N(mean, std²).
    case 'normal':
      return { kind: 'normal', a: s.mean ?? 0, b: s.std };
    // PyTorch nn.init.uniform_: U[low, high).
    case 'uniform':
      return { kind: 'uniform', a: s.low, b: s.high };
    // Keras TruncatedNormal: N(mean, std²) with draws beyond mean ± 2·std redrawn. The std is NOT corrected, so the
    // values' std is ≈ 0.88·std (unlike variance_scaling's).
    case 'truncated_normal':
      return { kind: 'truncated', a: s.mean ?? 0, b: s.std };
    // PyTorch xavier_normal_ / Keras glorot_normal (a plain normal): std = √(2/(fanIn+fanOut)).
    case 'xavier_normal':
      return normal(Math.sqrt(2 / (fanIn + fanOut)));
    // PyTorch xavier_uniform_ / Keras glorot_uniform: limit = √3·std = √(6/(fanIn+fanOut)).
    case 'xavier_uniform':
      return uniform(Math.sqrt(6 / (fanIn + fanOut)));
    // PyTorch kaiming_normal_(a=0, nonlinearity='relu', mode): a plain normal, std = √2/√fan. Keras' he_normal is
    // truncated instead; we follow PyTorch (variance_scaling with scale 2 gives the Keras one).
    case 'he_normal':
      return normal(Math.sqrt(2 / (s.mode === 'fan_out' ? fanOut : fanIn)));
    // PyTorch kaiming_uniform_(a=0, nonlinearity='relu', mode): limit = √3·std = √(6/fan).
    case 'he_uniform':
      return uniform(Math.sqrt(6 / (s.mode === 'fan_out' ? fanOut : fanIn)));
    // Keras lecun_normal = VarianceScaling(1, fan_in, truncated_normal): a truncated normal of std √(1/fanIn).
    case 'lecun_normal':
      return varianceScaling(shape, 1, 'fan_in', 'truncated_normal');
    // Keras lecun_uniform = VarianceScaling(1, fan_in, uniform): limit = √(3/fanIn).
    case 'lecun_uniform':
      return varianceScaling(shape, 1, 'fan_in', 'uniform');
    // Keras VarianceScaling, with its defaults (scale 1, fan_in, truncated_normal).
    case 'variance_scaling':
      return varianceScaling(shape, s.scale ?? 1, s.mode ?? 'fan_in', s.distribution ?? 'truncated_normal');
  }
}

/**
 * Keras VarianceScaling: n = fanIn, fanOut or (fanIn+fanOut)/2 (at least 1); truncated_normal: std = √(scale/n) /
 * 0.8796… cut at ±2·std (so the values' std is √(scale/n)); normal: std = √(scale/n); uniform: limit = √(3·scale/n).
 */
function varianceScaling(
  shape: LayerShape,
  scale: number,
  mode: FanMode,
  distribution: string,
): Distribution {
  const { fanIn, fanOut } = shape;
  const variance =
    scale / Math.max(1, mode === 'fan_in' ? fanIn : mode === 'fan_out' ? fanOut : (fanIn + fanOut) / 2);
  if (distribution === 'uniform')
    return { kind: 'uniform', a: -Math.sqrt(3 * variance), b: Math.sqrt(3 * variance) };
  if (distribution === 'normal') return { kind: 'normal', a: 0, b: Math.sqrt(variance) };
  return { kind: 'truncated', a: 0, b: Math.sqrt(variance) / TRUNCATED_NORMAL_STD };
}

/** Fill W in order from `d`, one draw per value (plus the redraws of a truncated normal). */
function fillRandom(rng: Draws, W: Float64Array, { kind, a, b }: Distribution): void {
  const cut = kind === 'truncated' ? 2 : Number.POSITIVE_INFINITY;
  for (let i = 0; i < W.length; i++) {
    if (kind === 'uniform') {
      W[i] = rng.uniformIn(a, b);
      continue;
    }
    let z: number;
    do z = rng.normal();
    while (z < -cut || z > cut);
    W[i] = a + b * z;
  }
}

function fillBias(bias: BiasInit, b: Float64Array): void {
  if (bias.scheme === 'zeros') b.fill(0);
  else if (bias.scheme === 'constant') b.fill(bias.value);
  else b.set(bias.values);
}

/**
 * As PyTorch's orthogonal_: G (fanOut, fanIn) ~ N(0, 1) drawn row-major; A = G, or Gᵀ when fanOut < fanIn, so that
 * A is (m, n) with m ≥ n; A = Q·R; Q·sign(diag R); W = Q, or Qᵀ. W·Wᵀ = I when fanOut ≤ fanIn, else Wᵀ·W = I.
 */
function fillOrthogonal(rng: Draws, fanOut: number, fanIn: number, W: Float64Array): void {
  const wide = fanOut < fanIn;
  const m = wide ? fanIn : fanOut;
  const n = wide ? fanOut : fanIn;
  const G = new Float64Array(fanOut * fanIn);
  for (let i = 0; i < G.length; i++) G[i] = rng.normal();
  // A column-major is G's transpose when A = G, and G itself when A = Gᵀ (a column of Gᵀ is a row of G).
  const q = orthonormalColumns(wide ? G : transpose(G, fanOut, fanIn), m, n);
  // q is (n, m) row-major = Q column-major; W = Qᵀ is exactly that, W = Q its transpose.
  W.set(wide ? q : transpose(q, n, m));
}

/**
 * Thin Q (m, n), m ≥ n, of A = Q·R with diag(R) > 0, by Householder QR in float64 (orthogonal to rounding error
 * whatever A's conditioning, unlike classical Gram–Schmidt). `a` is A column-major (column j at a[j·m …]) and is
 * overwritten; Q is returned column-major. Costs ≈ 4·m·n² flops.
 */
function orthonormalColumns(a: Float64Array, m: number, n: number): Float64Array {
  const v = new Float64Array(m * n); // Householder vector k at v[k·m + k … k·m + m)
  const vv = new Float64Array(n); // vᵀv of each reflector (0: identity)
  const sign = new Float64Array(n); // sign of R[k][k]
  for (let k = 0; k < n; k++) {
    const ck = k * m;
    let norm2 = 0;
    for (let i = k; i < m; i++) norm2 += a[ck + i] * a[ck + i];
    // R[k][k] = alpha, of the sign opposite to x0 so that v = x − alpha·e1 does not cancel.
    const alpha = a[ck + k] >= 0 ? -Math.sqrt(norm2) : Math.sqrt(norm2);
    sign[k] = alpha < 0 ? -1 : 1;
    v[ck + k] = a[ck + k] - alpha;
    for (let i = k + 1; i < m; i++) v[ck + i] = a[ck + i];
    for (let i = k; i < m; i++) vv[k] += v[ck + i] * v[ck + i];
    for (let j = k + 1; j < n; j++) reflect(v, vv[k], k, a, j * m, m);
  }
  // Q = H_0·H_1·…·H_{n-1}·[I; 0], applied right to left; H_k leaves columns j < k untouched.
  const q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) q[j * m + j] = 1;
  for (let k = n - 1; k >= 0; k--) {
    for (let j = k; j < n; j++) reflect(v, vv[k], k, q, j * m, m);
  }
  for (let j = 0; j < n; j++) {
    if (sign[j] < 0) for (let i = 0; i < m; i++) q[j * m + i] = -q[j * m + i];
  }
  return q;
}

/** x ← H_k·x = (I − 2·v·vᵀ/vᵀv)·x for the column x at x[xo …] (rows k..m−1) and v, vᵀv of reflector k. */
function reflect(v: Float64Array, vv: number, k: number, x: Float64Array, xo: number, m: number): void {
  if (vv === 0) return;
  const vo = k * m;
  let dot = 0;
  for (let i = k; i < m; i++) dot += v[vo + i] * x[xo + i];
  const f = (2 * dot) / vv;
  for (let i = k; i < m; i++) x[xo + i] -= f * v[vo + i];
}

/** src (rows, cols) row-major → its transpose (cols, rows) row-major. */
function transpose(src: Float64Array, rows: number, cols: number): Float64Array {
  const dst = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) dst[j * rows + i] = src[i * cols + j];
  return dst;
}

// ---------------------------------------------------------------------------------------------------------------
// Checks of what depends on the network (matrix and vector shapes against the layer's widths). Each field's type
// and range is checked once, at the edge (InitSpecSchema); here the spec is typed.

/** Where a checked value sits: the function, the layer, and the scheme's path in the spec ("overrides[0].bias"). */
interface At {
  fn: string;
  layer: number;
  field: string;
}

function fail(at: At, detail: string): Error {
  return new Error(`${at.fn}: layer ${at.layer} ${at.field}${detail}`);
}

/** `xs` must have `n` entries (named by `size`, e.g. "fanOut"): rows of a matrix, or entries of a vector. */
function checkLength(
  at: At,
  name: string,
  xs: unknown[],
  size: string,
  n: number,
  unit: 'rows' | 'entries',
): void {
  if (xs.length !== n) throw fail(at, `${name} has ${xs.length} ${unit}, expected ${size} = ${n}`);
}

function checkWeights(shape: LayerShape, s: InitScheme, at: At): void {
  if (s.scheme !== 'matrix') return;
  checkLength(at, '.values', s.values, 'fanOut', shape.fanOut, 'rows');
  s.values.forEach((row, i) => {
    checkLength(at, `.values[${i}]`, row, 'fanIn', shape.fanIn, 'entries');
  });
}

function checkBias(shape: LayerShape, bias: BiasInit, at: At): void {
  if (bias.scheme === 'vector') checkLength(at, '.values', bias.values, 'fanOut', shape.fanOut, 'entries');
}
