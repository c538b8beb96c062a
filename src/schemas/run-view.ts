// A run record as the API shows it: its links, its list item and its full resource.
import type { z } from 'zod';
import type { RunHeader, RunRecord } from '../model/run.ts';
import { RunDiagnosisSchema, RunResultSchema, TrainSummarySchema } from './results.ts';
import type { Run, RunListItem } from './runs.ts';

export function linksOf(id: string) {
  const self = `/v1/runs/${id}`;
  return {
    self,
    stream: `${self}/stream`,
    metrics: `${self}/metrics`,
    model: `${self}/model`,
    cancel: `${self}/cancel`,
  };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * A stored diagnosis as the API shapes it today. Runs finished by an earlier release may hold an older shape
 * (before the per-layer trend): they keep their verdict and message where those are still meaningful, with
 * no phases, rather than failing the response.
 */
function storedDiagnosis(json: unknown): RunListItem['diagnosis'] {
  if (json === null || json === undefined) return null;
  // Checked, then passed on as stored (the response serializer parses it once more).
  if (RunDiagnosisSchema.safeParse(json).success) return json as RunListItem['diagnosis'];
  const old = json as { verdict?: unknown; message?: unknown };
  const verdict = RunDiagnosisSchema.shape.verdict.safeParse(old.verdict);
  if (!verdict.success || typeof old.message !== 'string') return null;
  return {
    verdict: verdict.data,
    message: `${old.message} (diagnosed by an earlier release, from the end layers only)`,
    atInit: null,
    atEnd: null,
  };
}

/** A stored result or train summary as its schema shapes it today, or null when an earlier release stored another. */
function storedAs<T>(schema: z.ZodType<T>, json: unknown): T | null {
  if (json === null || json === undefined) return null;
  return schema.safeParse(json).success ? (json as T) : null;
}

export function toListItem(r: RunHeader): RunListItem {
  return {
    id: r.id,
    kind: r.kind,
    name: r.name,
    status: r.status,
    createdAt: r.createdAt.toISOString(),
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
    attempts: r.attempts,
    progress: { step: r.lastStep, totalSteps: r.totalSteps },
    summary: storedAs(TrainSummarySchema, r.summary),
    diagnosis: storedDiagnosis(r.diagnosis),
    result: storedAs(RunResultSchema, r.result),
    error: (r.error as RunListItem['error']) ?? null,
    sweepId: r.sweepId,
    sweepIndex: r.sweepIndex,
    links: linksOf(r.id),
  };
}

export function toRun(r: RunRecord): Run {
  return { ...toListItem(r), spec: r.spec as Run['spec'] };
}
