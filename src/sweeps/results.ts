// A sweep as the API shows it: its status and progress from the point counts, one results-table row per point (one
// function builds it, for GET, CSV and the stream), and the CSV of the table.
import { FIELD } from '../core/index.ts';
import type { RunRecord } from '../model/run.ts';
import type { PointSteps, SweepRecord } from '../model/sweep.ts';
import type { SweepListItem, SweepPoint, SweepProgress, SweepStatus } from '../schemas/sweeps.ts';

export function sweepLinks(id: string) {
  const self = `/v1/sweeps/${id}`;
  return { self, runs: `/v1/runs?sweep=${id}`, stream: `${self}/stream`, cancel: `${self}/cancel` };
}

export function progressOf(total: number, counts: Record<string, number>): SweepProgress {
  const n = (s: string) => counts[s] ?? 0;
  const done = n('succeeded') + n('failed') + n('cancelled') + n('diverged');
  return {
    total,
    done,
    queued: n('queued'),
    running: n('running'),
    succeeded: n('succeeded'),
    failed: n('failed'),
    cancelled: n('cancelled'),
    diverged: n('diverged'),
  };
}

export function statusOf(sweep: SweepRecord, p: SweepProgress): SweepStatus {
  if (p.done >= p.total) return sweep.cancelRequested ? 'cancelled' : 'finished';
  return p.queued === p.total - p.done && p.done === 0 ? 'queued' : 'running';
}

/** The fields the points vary, in the order they first appear (explicit points may each name other fields). */
export function fieldsOf(sweep: SweepRecord): string[] {
  const fields = new Set<string>();
  for (const p of sweep.points) for (const f of Object.keys(p.values)) fields.add(f);
  return [...fields];
}

export function toSweepListItem(sweep: SweepRecord, counts: Record<string, number>): SweepListItem {
  const progress = progressOf(sweep.pointCount, counts);
  return {
    id: sweep.id,
    kind: sweep.kind,
    name: sweep.name,
    status: statusOf(sweep, progress),
    createdAt: sweep.createdAt.toISOString(),
    fields: fieldsOf(sweep),
    maxConcurrent: sweep.maxConcurrent,
    targetLoss: sweep.targetLoss,
    cancelRequested: sweep.cancelRequested,
    progress,
    links: sweepLinks(sweep.id),
  };
}

const finite = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

/** First- and last-layer RMS of ∂loss/∂Z of a probe's result (its one step). */
function probeDeltaRms(result: unknown): { first: number | null; last: number | null } {
  const layers = (result as { layers?: (number | null)[][] } | null)?.layers;
  if (!Array.isArray(layers) || layers.length === 0) return { first: null, last: null };
  return {
    first: finite(layers[0][FIELD.deltaRms]),
    last: finite(layers[layers.length - 1][FIELD.deltaRms]),
  };
}

/** One row of the results table, from the point's run and its recorded steps. */
export function pointRow(
  run: RunRecord,
  values: Record<string, unknown>,
  steps: PointSteps | undefined,
): SweepPoint {
  const summary = run.summary as {
    final?: { loss?: unknown; trainAccuracy?: unknown; testAccuracy?: unknown };
    divergence?: { step?: unknown } | null;
  } | null;
  const result = run.result as { loss?: unknown } | null;
  const rms =
    run.kind === 'probe'
      ? probeDeltaRms(run.result)
      : { first: steps?.firstDeltaRms ?? null, last: steps?.lastDeltaRms ?? null };
  const ratio =
    rms.first !== null && rms.last !== null && rms.last !== 0 ? finite(rms.first / rms.last) : null;
  return {
    index: run.sweepIndex ?? 0,
    runId: run.id,
    values,
    status: run.status,
    finalLoss: finite(summary?.final?.loss) ?? (run.kind === 'probe' ? finite(result?.loss) : null),
    trainAccuracy: finite(summary?.final?.trainAccuracy),
    testAccuracy: finite(summary?.final?.testAccuracy),
    verdict: (run.diagnosis as { verdict?: string } | null)?.verdict ?? null,
    gradRatio: ratio,
    log10GradRatio: ratio !== null && ratio > 0 ? Math.log10(ratio) : null,
    stepsToTarget: steps?.stepsToTarget ?? null,
    divergenceStep: finite(summary?.divergence?.step),
  };
}

const CSV_COLUMNS = [
  'index',
  'runId',
  'status',
  'finalLoss',
  'trainAccuracy',
  'testAccuracy',
  'verdict',
  'gradRatio',
  'log10GradRatio',
  'stepsToTarget',
  'divergenceStep',
] as const;

/** RFC 4180: quoted when it holds a comma, quote or line break. */
function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The results table as CSV: a column per varied field (its values as JSON unless strings), then the measures. */
export function pointsCsv(fields: string[], points: SweepPoint[]): string {
  const header = [...fields, ...CSV_COLUMNS].map(csvCell).join(',');
  const lines = points.map((p) =>
    [...fields.map((f) => csvCell(p.values[f])), ...CSV_COLUMNS.map((c) => csvCell(p[c]))].join(','),
  );
  return `${[header, ...lines].join('\r\n')}\r\n`;
}
