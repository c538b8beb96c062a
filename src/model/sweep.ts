// The sweep model every layer shares: a sweep record, a new sweep with its runs, a point's measured facts, and the store.
import type { NewRun, RunRecord } from './run.ts';

export type SweepKind = 'grid' | 'trainability';

export interface SweepRecord {
  id: string;
  kind: SweepKind;
  name: string | null;
  /** The request as sent (exact JSON). */
  request: unknown;
  /** Per point, in run order. */
  points: { values: Record<string, unknown> }[];
  pointCount: number;
  maxConcurrent: number;
  targetLoss: number | null;
  cancelRequested: boolean;
  /** Trainability sweeps: the map and its theory. */
  map: unknown;
  createdAt: Date;
}

export interface NewSweep {
  kind: SweepKind;
  name: string | null;
  /** The request as sent, as exact JSON text (schemas/common.ts exactJsonText). */
  requestText: string;
  points: { values: Record<string, unknown> }[];
  maxConcurrent: number;
  targetLoss: number | null;
  map: unknown;
  /** One per point, in order; their sweep id and index are set by the store. */
  runs: Omit<NewRun, 'idempotencyKey' | 'requestHash'>[];
}

/** What the results table reads of a point's recorded steps. */
export interface PointSteps {
  /** RMS of ∂loss/∂Z (deltaRms) of the first and the last layer at the first recorded step. */
  firstDeltaRms: number | null;
  lastDeltaRms: number | null;
  /** First recorded step with loss ≤ the sweep's target, or null. */
  stepsToTarget: number | null;
}

export interface SweepStore {
  /**
   * Inserts the sweep and its runs (queued) in one transaction, unless the queued points of every sweep would then
   * exceed `maxQueuedPoints` ('queue_full').
   */
  createSweep(sweep: NewSweep, maxQueuedPoints: number): Promise<SweepRecord | 'queue_full'>;
  getSweep(id: string): Promise<SweepRecord | null>;
  listSweeps(q: {
    cursor?: string;
    limit: number;
  }): Promise<{ items: SweepRecord[]; nextCursor: string | null }>;
  /** Points per run status of each sweep. */
  sweepCounts(ids: string[]): Promise<Map<string, Record<string, number>>>;
  /** The sweep's runs in point order, without specs. */
  sweepRuns(id: string): Promise<RunRecord[]>;
  /** Step facts of these runs (absent: nothing recorded). */
  pointSteps(runIds: string[], targetLoss: number | null): Promise<Map<string, PointSteps>>;
  /** Cancels queued points at once and flags running ones; returns both sets of ids. */
  cancelSweep(id: string): Promise<{ cancelled: string[]; running: string[] } | null>;
  /** Deletes a sweep whose points are all final, with its runs and their data. */
  deleteSweep(id: string): Promise<'deleted' | 'not_found' | 'not_finished'>;
}
