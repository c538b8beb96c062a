// What the runs service needs from the database, as one interface (implemented in src/db).
import type { RunSpec } from '../core/index.ts';
import type { QueueStore } from '../jobs/dispatcher.ts';
import type { StepRow } from '../stream/step-encoding.ts';
import type { StepStore } from '../stream/telemetry-sink.ts';

export type RunStatusValue = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'diverged';

/** A run row as the service reads it. */
export interface RunRecord {
  id: string;
  kind: RunSpec['kind'];
  name: string | null;
  status: RunStatusValue;
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
}

export interface NewRun {
  kind: RunSpec['kind'];
  name: string | null;
  spec: RunSpec;
  totalSteps: number;
  layerCount: number;
  idempotencyKey: string | null;
  requestHash: string | null;
}

export interface ListQuery {
  status?: RunStatusValue;
  kind?: RunSpec['kind'];
  name?: string;
  cursor?: string;
  limit: number;
}

export interface RunStore extends QueueStore, StepStore {
  /**
   * Inserts a queued run unless `maxQueued` are queued (count and insert in one serialized step);
   * an idempotency key already used returns its run, created=false, whatever the depth.
   */
  createRun(run: NewRun, maxQueued: number): Promise<{ run: RunRecord; created: boolean } | 'queue_full'>;
  getRun(id: string): Promise<RunRecord | null>;
  findByIdempotencyKey(key: string): Promise<RunRecord | null>;
  listRuns(q: ListQuery): Promise<{ items: RunRecord[]; nextCursor: string | null }>;
  queueDepth(): Promise<number>;
  countByStatus(): Promise<Record<string, number>>;
  /** queued ⇒ cancelled now; running ⇒ cancel requested; returns the run after, or null. */
  requestCancel(id: string): Promise<RunRecord | null>;
  deleteRun(id: string): Promise<'deleted' | 'not_found' | 'not_finished'>;
  /** Steps in [from, to] (at most `limit`), ascending. */
  readSteps(runId: string, q: { fromStep?: number; toStep?: number; limit?: number }): Promise<StepRow[]>;
  /** How many steps are recorded in [from, to], and the last of them. */
  stepSpan(
    runId: string,
    fromStep?: number,
    toStep?: number,
  ): Promise<{ count: number; lastStep: number | null }>;
  /** Steps in [from, lastStep], every `stride`-th counted from `from` plus lastStep, ascending, in pages. */
  readStepPages(
    runId: string,
    q: { fromStep?: number; lastStep: number; stride?: number; pageRows: number },
  ): AsyncIterable<StepRow[]>;
  readWeights(runId: string): Promise<{ initial?: Float64Array; final?: Float64Array }>;
  saveWeights(runId: string, kind: 'initial' | 'final', values: Float64Array): Promise<void>;
  /** Makes every running run of a previous process claimable now (embedded mode: one process only). */
  expireAllLeases(): Promise<number>;
  ping(): Promise<boolean>;
}
