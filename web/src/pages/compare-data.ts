// What the compare page draws, shaped from the API's answers: aligned line columns, per-layer bar series.
import uPlot from 'uplot';
import type { BarSeries } from '../charts/bars.ts';
import type { Columns } from '../charts/line.ts';
import { runTitle } from '../format.ts';
import { positive } from '../series.ts';
import { isProbeResult, type LayerField, type Metrics, type ProbeResult, type Run } from '../types.ts';

/** One compared run: the run, its metrics (training runs only), and its colour. */
export interface Entry {
  run: Run;
  metrics: Metrics | null;
  color: string;
}

/** Aligns series with different steps on one x axis (nulls where a run has no point). */
export function join(tables: [number[], (number | null)[]][]): Columns {
  if (tables.length === 0) return [[]];
  return uPlot.join(tables as uPlot.AlignedData[]) as unknown as Columns;
}

/** Gradient RMS over the steps of the first or the last layer, positive or null (log axis). */
export function layerRms(m: Metrics, layer: 'first' | 'last'): (number | null)[] {
  const f = m.fields.indexOf('gradRms');
  const row = m.values[layer === 'first' ? 0 : m.values.length - 1];
  return (row?.[f] ?? []).map(positive);
}

/** Steps where a run's loss or ‖∇θ‖ was not finite (null in the metrics): the loss chart marks them. */
export function nonFiniteSteps(entries: Entry[]): number[] {
  const steps = entries.flatMap((e) =>
    e.metrics
      ? e.metrics.steps.filter((_, p) => e.metrics!.loss[p] === null || e.metrics!.gradNorm[p] === null)
      : [],
  );
  return [...new Set(steps)].sort((a, b) => a - b);
}

/**
 * ‖dW‖ per layer: a training run's newest recorded step, or the step picked (`picked`: run id → that step's ‖dW‖
 * per layer, loaded exactly), or a probe's statistics at initialization. A null ‖dW‖ is a blow-up (NaN/±Infinity:
 * the API sends null for them, and ‖dW‖ is never "not applicable"), marked as such.
 */
export function flowSeries(
  entries: Entry[],
  picked: ReadonlyMap<string, (number | null)[]> = new Map(),
): BarSeries[] {
  return entries.flatMap((e): BarSeries[] => {
    const at = picked.get(e.run.id);
    if (e.metrics && at) return [blowUps({ label: runTitle(e.run), color: e.color, values: at })];
    if (e.metrics) {
      const f = e.metrics.fields.indexOf('gradNorm');
      const series = {
        label: runTitle(e.run),
        color: e.color,
        values: e.metrics.values.map((v) => v[f]?.at(-1) ?? null),
      };
      // A run with no recorded step yet has nothing to mark.
      return [e.metrics.steps.length > 0 ? blowUps(series) : series];
    }
    if (isProbeResult(e.run.result)) {
      return [
        blowUps({ label: runTitle(e.run), color: e.color, values: probeField(e.run.result, 'gradNorm') }),
      ];
    }
    return [];
  });
}

/** Marks the nulls of a statistic that is never "not applicable" (‖dW‖, std(Z), RMS δ) as NaN/±Infinity. */
export function blowUps(s: BarSeries): BarSeries {
  return { ...s, nonFinite: s.values.map((v) => v === null) };
}

export function probeField(r: ProbeResult, field: LayerField): (number | null)[] {
  const i = r.fields.indexOf(field);
  return r.layers.map((row) => (i < 0 ? null : row[i]));
}
