// What the service, the dispatcher and the streams need from the database, as interfaces (implemented in src/db).
import type { ClaimedRun, ListQuery, NewRun, RunHeader, RunOutcome, RunRecord, StepRow } from './run.ts';

/** What the dispatcher needs of the run table (the queue). */
export interface QueueStore {
  /** Skips runs whose attempts reached maxAttempts (failExhausted finishes those). */
  claimRuns(
    owner: string,
    limit: number,
    leaseMs: number,
    maxAttempts: number,
    exclude: string[],
  ): Promise<ClaimedRun[]>;
  /** Renews the leases; returns the ids this owner still holds. */
  renewLeases(owner: string, ids: string[], leaseMs: number): Promise<string[]>;
  cancelRequestedAmong(ids: string[]): Promise<string[]>;
  /** Back to queued (graceful shutdown), fenced by owner. */
  releaseRun(id: string, owner: string): Promise<void>;
  /** Stores the outcome, fenced by owner; false when the lease was lost. */
  finishRun(id: string, owner: string, outcome: RunOutcome): Promise<boolean>;
  /** Fails runs whose lease expired after maxAttempts starts; returns their ids. */
  failExhausted(maxAttempts: number): Promise<string[]>;
}

export interface StepStore {
  /** Inserts rows (duplicates of (run, step) ignored) and records the run's last persisted step. */
  insertSteps(runId: string, rows: StepRow[]): Promise<void>;
}

export interface RunStore extends QueueStore, StepStore {
  /**
   * Inserts a queued run unless `maxQueued` are queued (count and insert in one serialized step);
   * an idempotency key already used returns its run, created=false, whatever the depth.
   */
  createRun(run: NewRun, maxQueued: number): Promise<{ run: RunHeader; created: boolean } | 'queue_full'>;
  getRun(id: string): Promise<RunRecord | null>;
  /** The run without its spec (lifecycle events, cancel, delete: what needs no spec should not parse megabytes). */
  getRunHeader(id: string): Promise<RunHeader | null>;
  findByIdempotencyKey(key: string): Promise<RunRecord | null>;
  listRuns(q: ListQuery): Promise<{ items: RunRecord[]; nextCursor: string | null }>;
  queueDepth(): Promise<number>;
  countByStatus(): Promise<Record<string, number>>;
  /** queued ⇒ cancelled now; running ⇒ cancel requested; returns the run after, or null. */
  requestCancel(id: string): Promise<RunRecord | null>;
  deleteRun(id: string): Promise<'deleted' | 'not_found' | 'not_finished'>;
  /** Steps in [from, to] (at most `limit`), ascending; `histograms: false` leaves the histograms out (null). */
  readSteps(
    runId: string,
    q: { fromStep?: number; toStep?: number; limit?: number; histograms?: boolean },
  ): Promise<StepRow[]>;
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
  /** A finished run's stored history answer for `query` (GET /v1/runs/:id/history), or null. */
  readHistorySummary(runId: string, query: string): Promise<Uint8Array | null>;
  /** Stores one unless the run has `maxPerRun` already; true when this call stored it. */
  saveHistorySummary(runId: string, query: string, body: Uint8Array, maxPerRun: number): Promise<boolean>;
  readWeights(runId: string): Promise<{ initial?: Float64Array; final?: Float64Array }>;
  saveWeights(runId: string, kind: 'initial' | 'final', values: Float64Array): Promise<void>;
  /** Makes every running run of a previous process claimable now (embedded mode: one process only). */
  expireAllLeases(): Promise<number>;
  ping(): Promise<boolean>;
}
