// The run model every layer shares (statuses in status.ts): the records, a claimed run and its outcome, a stored step, histogram settings.
import { histogramPlan, type RunKind, type RunSpec } from '../core/index.ts';
import type { FinalStatus, RunStatus } from './status.ts';

/** A run row as the service reads it. */
export interface RunRecord {
  id: string;
  kind: RunKind;
  name: string | null;
  status: RunStatus;
  spec: RunSpec;
  requestHash: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  attempts: number;
  cancelRequested: boolean;
  lastStep: number | null;
  totalSteps: number;
  layerCount: number;
  summary: unknown;
  diagnosis: unknown;
  result: unknown;
  error: unknown;
  /** The sweep this run is a point of, and its position there; null for a single run. */
  sweepId: string | null;
  sweepIndex: number | null;
}

/** A run without its spec (lists, and what creating one returns): inline data can make a spec megabytes long. */
export type RunHeader = Omit<RunRecord, 'spec'>;

export interface NewRun {
  kind: RunKind;
  name: string | null;
  /** The spec's exact JSON text, as runs.spec stores it (db/run-record.ts specToText). */
  specText: string;
  totalSteps: number;
  layerCount: number;
  idempotencyKey: string | null;
  requestHash: string | null;
}

export interface ListQuery {
  status?: RunStatus;
  /** Only the points of this sweep. */
  sweep?: string;
  kind?: RunKind;
  name?: string;
  cursor?: string;
  limit: number;
}

/** A queued run this instance now holds the lease of. */
export interface ClaimedRun {
  id: string;
  spec: RunSpec;
  attempts: number;
}

/** What a finished run stores. */
export interface RunOutcome {
  status: FinalStatus;
  summary?: unknown;
  diagnosis?: unknown;
  result?: unknown;
  error?: { code: string; message: string };
  lastStep?: number | null;
  weights?: { initial?: Float64Array; final?: Float64Array };
}

/** A step as the database stores it: scalars in float64, per-layer statistics packed as float32. */
export interface StepRow {
  step: number;
  loss: number;
  gradNorm: number;
  trainAccuracy: number | null;
  testAccuracy: number | null;
  /** (layers × FIELD_COUNT) float32. */
  layers: Float32Array;
  /** (layers × (bins + 2)) float32, or null. */
  histograms: Float32Array | null;
}

/** How a run's weight-gradient histograms are binned. */
export interface HistogramSettings {
  bins: number;
  logScale: boolean;
}

/** A train run's histogram settings with their defaults filled in, or null when it records none. */
export function histogramSettings(spec: RunSpec): HistogramSettings | null {
  const h = spec.kind === 'train' ? histogramPlan(spec) : null;
  return h && { bins: h.bins, logScale: h.logScale };
}
