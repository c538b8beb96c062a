// The recording rules of the training loop: which steps it records, evaluates and histograms, and how many
// (the budget counts a run's telemetry with these, before the run exists).
import type { TrainRunSpec } from './run-spec.ts';
import { DEFAULTS } from './spec.ts';

/** Which steps a run records, evaluates and histograms: its telemetry spec with the defaults filled in. */
export interface RecordingPlan {
  every: number;
  /** Accuracy over the whole sets on recorded steps that are multiples of this (and the last). */
  evalEvery: number;
  histograms: { bins: number; logScale: boolean; every: number } | null;
}

export function recordingPlan(spec: TrainRunSpec, totalSteps: number): RecordingPlan {
  const every = spec.telemetry?.every ?? DEFAULTS.telemetryEvery;
  return {
    every,
    // Accuracy over the whole sets costs a forward pass of each: by default about 200 evaluations per run.
    evalEvery: spec.telemetry?.evalEvery ?? every * Math.max(1, Math.ceil(totalSteps / 200 / every)),
    histograms: histogramPlan(spec),
  };
}

/** A train spec's weight-gradient histograms with their defaults filled in, or null when it records none. */
export function histogramPlan(spec: TrainRunSpec): RecordingPlan['histograms'] {
  const h = spec.telemetry?.histograms;
  if (!h) return null;
  const every = h.every ?? spec.telemetry?.every ?? DEFAULTS.telemetryEvery;
  return { bins: h.bins ?? DEFAULTS.histogramBins, logScale: h.logScale ?? false, every };
}

/** The loop records steps 0, every, 2·every, … and the last step (and a step that diverged). */
export function isRecordedStep(step: number, totalSteps: number, every: number): boolean {
  return step % every === 0 || step === totalSteps - 1;
}

/** A recorded step carries histograms when the plan has them and the step is a multiple of their `every`. */
export function hasHistograms(step: number, plan: RecordingPlan): boolean {
  return plan.histograms !== null && step % plan.histograms.every === 0;
}

/** How many of `totalSteps` steps isRecordedStep and hasHistograms select, for runs that do not diverge. */
export function recordedStepCounts(
  totalSteps: number,
  plan: RecordingPlan,
): { steps: number; histograms: number } {
  const last = totalSteps - 1;
  const steps = Math.ceil(totalSteps / plan.every) + (last % plan.every !== 0 ? 1 : 0);
  if (!plan.histograms) return { steps, histograms: 0 };
  const hEvery = plan.histograms.every;
  // Multiples of lcm(every, hEvery), plus the last step when only it is recorded for being last.
  const both = (plan.every / gcd(plan.every, hEvery)) * hEvery;
  const histograms = Math.ceil(totalSteps / both) + (last % hEvery === 0 && last % plan.every !== 0 ? 1 : 0);
  return { steps, histograms };
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}
