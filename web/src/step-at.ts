// One recorded step's layer statistics from the metrics endpoint: the first recorded step at or after `step`.
import { getJson } from './api.ts';
import type { StepLayers } from './run-data.ts';
import type { LayerField, Metrics } from './types.ts';

/** Rows in `fields` order (the hello's), or null when no step is recorded at or after `step`. */
export async function stepLayersAt(
  metricsLink: string,
  step: number,
  fields: readonly LayerField[],
): Promise<StepLayers | null> {
  const m = await getJson<Metrics>(`${metricsLink}?from=${step}&maxPoints=2`);
  if (m.steps.length === 0) return null;
  const pos = fields.map((f) => m.fields.indexOf(f));
  return {
    step: m.steps[0],
    layers: m.values.map((row) => pos.map((p) => (p < 0 ? null : (row[p]?.[0] ?? null)))),
  };
}
