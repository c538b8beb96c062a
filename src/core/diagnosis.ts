// Healthy / vanishing / exploding, read off the measured per-layer profile of one step (see trend.ts), and a run's
// verdict from its two phases. Forward signal: pre-activation std; backward: RMS of ∂loss/∂Z per layer.
import { FIELD, FIELD_COUNT } from './stats.ts';
import { HEALTHY_DECADES, type SignalTrend, signalTrend, type Verdict } from './trend.ts';

export type { SignalTrend, Verdict } from './trend.ts';

/** When the statistics were taken: before the first update, or at the last recorded step of training. */
export type Phase = 'initialization' | 'end';

export interface Diagnosis {
  phase: Phase;
  step: number;
  verdict: Verdict;
  /** The verdict and every number behind it, in words; its numbers are the trends' numbers. */
  message: string;
  /** null when there is nothing to fit (non-finite values, fewer than 2 hidden layers). */
  forward: SignalTrend | null;
  backward: SignalTrend | null;
}

/** A run's verdict: the worse phase (or exploding when training diverged), with both phases labelled. */
export interface RunDiagnosis {
  verdict: Verdict;
  message: string;
  atInit: Diagnosis | null;
  atEnd: Diagnosis | null;
}

/** How bad a verdict is, for picking the worse of two. */
const RANK: Record<Verdict, number> = {
  too_shallow: 0,
  healthy: 1,
  mild_vanishing: 2,
  mild_exploding: 2,
  no_signal: 3,
  vanishing: 4,
  exploding: 4,
};

export function verdictWords(v: Verdict): string {
  return v === 'mild_vanishing' || v === 'mild_exploding' ? `mildly ${v.slice(5)}` : v.replace('_', ' ');
}

/** A factor as the messages print it: 2 significant digits, exponent form outside [0.001, 10⁴). */
export function factorText(x: number): string {
  if (x === 0) return '0';
  return Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? x.toPrecision(2) : x.toExponential(1);
}

/** Decades as the messages print them: signed, 2 decimals. */
export function decadesText(d: number): string {
  return `${d > 0 ? '+' : ''}${d.toFixed(2)}`;
}

const SIGNAL_NAME = { forward: 'pre-activation std', backward: 'gradient RMS (∂loss/∂Z)' } as const;

/** One signal's trend in words, ending with its own verdict. */
function describeTrend(t: SignalTrend): string {
  const name = SIGNAL_NAME[t.signal];
  if (t.verdict === 'no_signal') {
    const what = t.signal === 'forward' ? 'is exactly zero (constant pre-activations)' : 'is exactly zero';
    return `${name} ${what} in every hidden layer: no signal`;
  }
  if (t.diesAt !== null)
    return `${name} falls to exactly zero at layer ${t.diesAt} (from layer ${t.from}): vanishing`;
  let s = `${name} trend ×${factorText(t.ratio)} from layer ${t.from} to layer ${t.to} (${decadesText(t.decades)} decades, ×${factorText(t.perLayer)} per layer)`;
  const step = t.steepest;
  const concentrated = step && Math.abs(step.decades) >= Math.max(HEALTHY_DECADES, Math.abs(t.decades) / 2);
  if (step && concentrated)
    s += `, one step of ${decadesText(step.decades)} decades from layer ${step.from} to ${step.to}`;
  else if (t.verdict !== 'healthy') s += ', spread over the layers';
  if (Math.abs(t.outputDecades) >= HEALTHY_DECADES && Number.isFinite(t.outputDecades))
    s += `, not counting the output layer's own ×${factorText(10 ** t.outputDecades)}`;
  return `${s}: ${verdictWords(t.verdict)}`;
}

/** The worse of two trends: by rank, then by the size of the fitted change. */
function worse(a: SignalTrend, b: SignalTrend): SignalTrend {
  if (RANK[a.verdict] !== RANK[b.verdict]) return RANK[a.verdict] > RANK[b.verdict] ? a : b;
  return Math.abs(b.decades) > Math.abs(a.decades) ? b : a;
}

/**
 * Diagnoses one step's layer statistics (layers × FIELD_COUNT; the output layer last). Each signal is fitted over
 * the hidden layers only, so a narrow output layer cannot dominate; non-finite values anywhere are exploding.
 */
export function diagnose(
  stats: Float64Array,
  layers: number,
  step: number,
  phase: Phase = 'initialization',
): Diagnosis {
  const at = (l: number, f: number) => stats[l * FIELD_COUNT + f];
  const base = { phase, step, forward: null, backward: null };
  for (let l = 0; l < layers; l++) {
    const finite = Number.isFinite(at(l, FIELD.preactStd)) && Number.isFinite(at(l, FIELD.deltaRms));
    if (at(l, FIELD.gradNonFinite) > 0 || !finite)
      return {
        ...base,
        verdict: 'exploding',
        message: `exploding — non-finite values (NaN/Infinity) in layer ${l + 1} at step ${step}`,
      };
  }
  if (layers < 3) {
    const what = layers === 1 ? '1 layer' : '2 layers (1 hidden)';
    return {
      ...base,
      verdict: 'too_shallow',
      message: `too shallow — ${what}: no depth to vanish or explode over`,
    };
  }
  const column = (f: number) => Float64Array.from({ length: layers }, (_, l) => at(l, f));
  const forward = signalTrend('forward', column(FIELD.preactStd));
  const backward = signalTrend('backward', column(FIELD.deltaRms));
  const first = worse(backward, forward);
  const second = first === backward ? forward : backward;
  return {
    phase,
    step,
    verdict: first.verdict,
    message: `${verdictWords(first.verdict)} — ${describeTrend(first)}; ${describeTrend(second)}`,
    forward,
    backward,
  };
}

const PHASE_LABEL = { initialization: 'At initialization', end: 'At the end of training' } as const;

/** "At initialization (step 0): …" */
export function phaseText(d: Diagnosis): string {
  return `${PHASE_LABEL[d.phase]} (step ${d.step}): ${d.message}`;
}

/**
 * A run's diagnosis from its phases: the worse verdict (exploding when `divergence` says training diverged), and a
 * message that labels each phase. null when no step was recorded.
 */
export function runDiagnosis(
  atInit: Diagnosis | null,
  atEnd: Diagnosis | null,
  divergence: string | null = null,
): RunDiagnosis | null {
  const phases = [atInit, atEnd].filter((d): d is Diagnosis => d !== null);
  if (phases.length === 0 && divergence === null) return null;
  let verdict: Verdict = 'exploding';
  if (divergence === null) {
    const ranked = phases.map((d) => ({ d, size: Math.max(size(d.forward), size(d.backward)) }));
    ranked.sort((a, b) => RANK[b.d.verdict] - RANK[a.d.verdict] || b.size - a.size);
    verdict = ranked[0].d.verdict;
  }
  const parts = phases.map((d) => `${phaseText(d)}.`);
  if (divergence !== null) parts.unshift(`Exploding — ${divergence}.`);
  return { verdict, message: parts.join(' '), atInit, atEnd };
}

function size(t: SignalTrend | null): number {
  return t && !Number.isNaN(t.decades) ? Math.abs(t.decades) : 0;
}
