// Healthy / vanishing / exploding: read off how a signal changes from layer to layer in one step's stats.
// Forward: the pre-activation std from the first to the last layer. Backward: the RMS of ∂loss/∂Z
// from the output layer back to the first (the gradient each layer receives).
import { FIELD, FIELD_COUNT } from './stats.ts';

export type Verdict = 'healthy' | 'vanishing' | 'exploding';

export interface SignalTrend {
  signal: 'forward' | 'backward';
  /** Ratio first-reached / last-reached: layer L over layer 1 forward, layer 1 over layer L backward. */
  ratio: number;
  /** Geometric mean change per layer, ratio^(1/(L−1)). */
  perLayer: number;
  verdict: Verdict;
}

export interface Diagnosis {
  verdict: Verdict;
  message: string;
  step: number;
  forward: SignalTrend | null;
  backward: SignalTrend | null;
}

/** A net is unhealthy when a signal changes by more than 10× end to end AND ≥ 25% per layer. */
const TOTAL_LIMIT = 10;
const PER_LAYER_LIMIT = 1.25;

/** null when the signal never starts (from = 0: e.g. all-zero weights), which the other signal then tells. */
function trend(signal: 'forward' | 'backward', from: number, to: number, layers: number): SignalTrend | null {
  if (!(from > 0)) return null;
  const ratio = to / from;
  const perLayer = ratio ** (1 / (layers - 1));
  let verdict: Verdict = 'healthy';
  if (!Number.isFinite(ratio) || (ratio > TOTAL_LIMIT && perLayer > PER_LAYER_LIMIT)) verdict = 'exploding';
  else if (ratio === 0 || (ratio < 1 / TOTAL_LIMIT && perLayer < 1 / PER_LAYER_LIMIT)) verdict = 'vanishing';
  return { signal, ratio, perLayer, verdict };
}

const fmt = (x: number) => (Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? x.toPrecision(2) : x.toExponential(1));

function describe(t: SignalTrend, layers: number): string {
  const dir = t.perLayer < 1 ? 'shrinks' : 'grows';
  if (t.signal === 'backward') {
    if (t.ratio === 0) return `layer 1 receives exactly zero gradient (a symmetric or dead start)`;
    return `gradient RMS ${dir} ≈${fmt(t.perLayer)}× per layer going backward; layer 1 gets ${fmt(t.ratio)} of layer ${layers}'s`;
  }
  if (t.ratio === 0) return `layer ${layers}'s pre-activations are constant across the batch`;
  return `activation std ${dir} ≈${fmt(t.perLayer)}× per layer going forward; layer ${layers}'s is ${fmt(t.ratio)} of layer 1's`;
}

/** Diagnoses one step's layer statistics (layers × FIELD_COUNT). */
export function diagnose(stats: Float64Array, layers: number, step: number): Diagnosis {
  const at = (l: number, f: number) => stats[l * FIELD_COUNT + f];
  let nonFinite = -1;
  for (let l = 0; l < layers && nonFinite < 0; l++) {
    if (at(l, FIELD.gradNonFinite) > 0 || !Number.isFinite(at(l, FIELD.preactStd))) nonFinite = l;
  }
  if (nonFinite >= 0) {
    return {
      verdict: 'exploding',
      message: `non-finite values (NaN/Infinity) in layer ${nonFinite + 1} at step ${step}`,
      step,
      forward: null,
      backward: null,
    };
  }
  if (layers < 2) {
    return {
      verdict: 'healthy',
      message: 'a single layer has no depth to vanish or explode over',
      step,
      forward: null,
      backward: null,
    };
  }
  const forward = trend('forward', at(0, FIELD.preactStd), at(layers - 1, FIELD.preactStd), layers);
  const backward = trend('backward', at(layers - 1, FIELD.deltaRms), at(0, FIELD.deltaRms), layers);
  const severity = (t: SignalTrend | null) =>
    !t || t.verdict === 'healthy' ? 0 : Math.abs(Math.log(t.ratio || Number.MIN_VALUE));
  const worst = severity(backward) >= severity(forward) ? backward : forward;
  if (!worst || worst.verdict === 'healthy') {
    const show = (t: SignalTrend | null) => (t ? `${fmt(t.ratio)}×` : 'no signal');
    return {
      verdict: 'healthy',
      message: `signals stay within ${TOTAL_LIMIT}× across ${layers} layers (forward ${show(forward)}, backward ${show(backward)})`,
      step,
      forward,
      backward,
    };
  }
  return { verdict: worst.verdict, message: describe(worst, layers), step, forward, backward };
}

/** A run's verdict from the diagnoses at initialization and at the end: exploding beats vanishing beats healthy. */
export function combine(atInit: Diagnosis, atEnd: Diagnosis | null): { verdict: Verdict; message: string } {
  const all = atEnd ? [atInit, atEnd] : [atInit];
  for (const v of ['exploding', 'vanishing'] as const) {
    const d = all.find((x) => x.verdict === v);
    if (d)
      return {
        verdict: v,
        message: `${d === atInit ? 'at initialization' : `at step ${d.step}`}: ${d.message}`,
      };
  }
  return { verdict: 'healthy', message: atInit.message };
}
