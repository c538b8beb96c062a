// How one signal changes with depth: a robust (Theil–Sen) line through log10(signal) over the hidden layers.
// Pure arithmetic on a short profile (one value per layer), graded into a verdict.

/** Verdicts of one signal and of a whole diagnosis (`no_signal`, `too_shallow` only when there is nothing to fit). */
export type Verdict =
  | 'healthy'
  | 'mild_vanishing'
  | 'mild_exploding'
  | 'vanishing'
  | 'exploding'
  | 'no_signal'
  | 'too_shallow';

/** Under half a decade (×3.2) of fitted change the signal is healthy. */
export const HEALTHY_DECADES = 0.5;
/** A decade (×10) or more of fitted change is vanishing/exploding… */
export const STRONG_DECADES = 1;
/** …and so is ≥ 0.2 decade (×1.6) per layer once there are 3 or more hidden layers: it compounds with depth. */
export const STEEP_DECADES_PER_LAYER = 0.2;
const STEEP_MIN_LAYERS = 3;

export interface SignalTrend {
  signal: 'forward' | 'backward';
  /** 1-based layers the line was fitted over, in the order the signal travels (forward 1 → L−1, backward L−1 → 1). */
  from: number;
  to: number;
  /** Theil–Sen slope of log10(signal) per layer, along the direction of travel (< 0: shrinks). */
  decadesPerLayer: number;
  /** Fitted change from `from` to `to`: decadesPerLayer × (layers fitted − 1); −Infinity when the signal dies. */
  decades: number;
  /** 10^decades: the factor the signal is multiplied by from `from` to `to` (0 when it dies). */
  ratio: number;
  /** 10^decadesPerLayer. */
  perLayer: number;
  /** Where the change happens: the one-layer step of the measured profile with the largest |change| (null: 1 layer). */
  steepest: { from: number; to: number; decades: number } | null;
  /** 1-based layer where the signal first becomes exactly zero after being non-zero (then it vanished), else null. */
  diesAt: number | null;
  /** The measured step across the output layer (left out of the fit), in decades along the direction of travel. */
  outputDecades: number;
  verdict: Verdict;
}

/** The median of `xs` (sorted in place). */
function median(xs: Float64Array): number {
  xs.sort();
  const m = xs.length >> 1;
  return xs.length % 2 ? xs[m] : (xs[m - 1] + xs[m]) / 2;
}

/** Theil–Sen slope of y against its index 0…n−1: the median of the n(n−1)/2 pairwise slopes (n ≥ 2). */
export function theilSenSlope(y: Float64Array): number {
  const n = y.length;
  const slopes = new Float64Array((n * (n - 1)) / 2);
  let k = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) slopes[k++] = (y[j] - y[i]) / (j - i);
  return median(slopes);
}

/** The grade of a fitted change of `decades` at `decadesPerLayer` over `layers` fitted layers. */
export function grade(decades: number, decadesPerLayer: number, layers: number): Verdict {
  const size = Math.abs(decades);
  const up = decades > 0;
  if (size < HEALTHY_DECADES) return 'healthy';
  const steep = layers >= STEEP_MIN_LAYERS && Math.abs(decadesPerLayer) >= STEEP_DECADES_PER_LAYER;
  if (size >= STRONG_DECADES || steep) return up ? 'exploding' : 'vanishing';
  return up ? 'mild_exploding' : 'mild_vanishing';
}

/**
 * The trend of one signal, from its per-layer values (`values[l]` for 0-based layer l, the output layer last, all
 * finite and ≥ 0; at least 2 hidden layers). Backward signals travel from the output layer to layer 1.
 */
export function signalTrend(signal: 'forward' | 'backward', values: ArrayLike<number>): SignalTrend {
  const hidden = values.length - 1;
  // order[i]: the 0-based layer reached i-th by the signal among the hidden layers.
  const order = Array.from({ length: hidden }, (_, i) => (signal === 'forward' ? i : hidden - 1 - i));
  const output = values[hidden];
  const lastHidden = values[order[signal === 'forward' ? hidden - 1 : 0]];
  const outputDecades =
    signal === 'forward'
      ? Math.log10(output) - Math.log10(lastHidden)
      : Math.log10(lastHidden) - Math.log10(output);
  const first = order.findIndex((l) => values[l] > 0);
  if (first < 0) return nothing(signal, order, outputDecades);
  // A zero after the signal started: it died there, a vanished signal (log10 0 = −∞ cannot be fitted).
  const died = order.findIndex((l, i) => i > first && values[l] === 0);
  const live = order.slice(first, died < 0 ? undefined : died);
  const logs = Float64Array.from(live, (l) => Math.log10(values[l]));
  if (died >= 0) return dies(signal, live[0], order[died], outputDecades);
  const slope = live.length >= 2 ? theilSenSlope(logs) : 0;
  const decades = slope * (live.length - 1);
  let steepest: SignalTrend['steepest'] = null;
  for (let i = 1; i < logs.length; i++) {
    const step = logs[i] - logs[i - 1];
    if (!steepest || Math.abs(step) > Math.abs(steepest.decades))
      steepest = { from: live[i - 1] + 1, to: live[i] + 1, decades: step };
  }
  return {
    signal,
    from: live[0] + 1,
    to: live[live.length - 1] + 1,
    decadesPerLayer: slope,
    decades,
    ratio: 10 ** decades,
    perLayer: 10 ** slope,
    steepest,
    diesAt: null,
    outputDecades,
    verdict: grade(decades, slope, live.length),
  };
}

/** The signal starts at 0-based layer `start` and is exactly zero at layer `dead`: it vanished outright. */
function dies(
  signal: SignalTrend['signal'],
  start: number,
  dead: number,
  outputDecades: number,
): SignalTrend {
  return {
    signal,
    from: start + 1,
    to: dead + 1,
    decadesPerLayer: -Infinity,
    decades: -Infinity,
    ratio: 0,
    perLayer: 0,
    steepest: null,
    diesAt: dead + 1,
    outputDecades,
    verdict: 'vanishing',
  };
}

/** Every hidden layer carries exactly zero: nothing to fit. */
function nothing(signal: SignalTrend['signal'], order: number[], outputDecades: number): SignalTrend {
  return {
    signal,
    from: order[0] + 1,
    to: order[order.length - 1] + 1,
    decadesPerLayer: Number.NaN,
    decades: Number.NaN,
    ratio: Number.NaN,
    perLayer: Number.NaN,
    steepest: null,
    diesAt: null,
    outputDecades,
    verdict: 'no_signal',
  };
}
