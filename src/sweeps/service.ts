// The sweeps use cases behind the routes: create (store an admitted sweep, admission.ts, and queue its runs),
// read with the results table, list, cancel, delete; and the point results published as the points finish.
import { bodyFailureError } from '../http/json-body.ts';
import { AppError } from '../http/problems.ts';
import type { Dispatcher } from '../jobs/dispatcher.ts';
import type { BudgetLimits, SweepBudgetLimits } from '../model/budget.ts';
import { isFinal } from '../model/status.ts';
import type { RunStore } from '../model/store.ts';
import type { SweepRecord, SweepStore } from '../model/sweep.ts';
import { toListItem } from '../schemas/run-view.ts';
import type { RunListItem } from '../schemas/runs.ts';
import type { Sweep, SweepListItem, SweepRequest } from '../schemas/sweeps.ts';
import type { StreamHub } from '../stream/hub.ts';
import { KeyedSerial } from '../stream/keyed-serial.ts';
import type { SweepAdmission, SweepAdmissionLimits } from './admission.ts';
import { pointRow, toSweepListItem } from './results.ts';

export interface SweepsServiceOptions {
  /** Most points of one sweep (SWEEP_MAX_POINTS). */
  maxPoints: number;
  /** maxConcurrent when a request gives none (SWEEP_MAX_CONCURRENT). */
  defaultMaxConcurrent: number;
  /** Most queued points over every sweep (SWEEP_QUEUE_MAX_POINTS). */
  maxQueuedPoints: number;
  budget: BudgetLimits;
  sweepBudget: SweepBudgetLimits;
  retryAfterSeconds: number;
}

export class SweepsService {
  /** Per sweep, point events in the order their runs finished. */
  private readonly perSweep = new KeyedSerial();
  /** Sweeps whose end this instance announced (so it is announced once, after every point's row). */
  private readonly ended = new Set<string>();
  /** Per sweep being watched, the point indices whose rows this instance published. */
  private readonly published = new Map<string, Set<number>>();
  private unsubscribe: () => void = () => {};

  constructor(
    private readonly store: SweepStore & Pick<RunStore, 'getRun'>,
    private readonly hub: StreamHub,
    private readonly dispatcher: Pick<Dispatcher, 'wake' | 'cancelLocal'>,
    private readonly options: SweepsServiceOptions,
    private readonly onError: (err: unknown, context: string) => void,
  ) {}

  /** What a sweep is admitted under (admission.ts, on the loop or the evaluate thread). */
  get limits(): SweepAdmissionLimits {
    const { maxPoints, budget, sweepBudget } = this.options;
    return { maxPoints, budget, sweepBudget };
  }

  /** Publishes a point's row when one of its runs finishes (here or, relayed, on another instance). */
  start(): void {
    this.unsubscribe = this.hub.observeLifecycle((event, run) => {
      if (event !== 'finished' || !run.sweepId) return;
      const sweepId = run.sweepId;
      this.perSweep
        .run(sweepId, () => this.pointFinished(sweepId, run))
        .catch((e) => this.onError(e, 'sweep point'));
    });
  }

  stop(): void {
    this.unsubscribe();
  }

  /** Stores an admitted sweep and queues its runs; a refused one is thrown as the problem it answers. */
  async create(admission: SweepAdmission): Promise<SweepRecord> {
    if (admission.kind === 'refused') throw bodyFailureError(admission.failure);
    if (admission.kind === 'problem') throw new AppError(admission.code, admission.detail, admission.extra);
    if (admission.kind === 'too_many_rows') throw new Error('SweepsService.create: a sweep admitted in part');
    const { sweep } = admission;
    const created = await this.store.createSweep(
      { ...sweep, maxConcurrent: sweep.maxConcurrent ?? this.options.defaultMaxConcurrent },
      this.options.maxQueuedPoints,
    );
    if (created === 'queue_full') {
      throw new AppError(
        'queue_full',
        `${this.options.maxQueuedPoints} sweep points may be queued at once (SWEEP_QUEUE_MAX_POINTS); retry later`,
        { retryAfter: this.options.retryAfterSeconds },
      );
    }
    this.hub.publishSweepEvent('created', toSweepListItem(created, { queued: created.pointCount }));
    this.dispatcher.wake();
    return created;
  }

  async item(id: string): Promise<SweepListItem> {
    const sweep = await this.record(id);
    const counts = await this.store.sweepCounts([id]);
    return toSweepListItem(sweep, counts.get(id) ?? {});
  }

  async get(id: string): Promise<Sweep> {
    const sweep = await this.record(id);
    const [counts, runs] = await Promise.all([this.store.sweepCounts([id]), this.store.sweepRuns(id)]);
    const steps = await this.store.pointSteps(
      runs.filter((r) => r.kind === 'train' && r.lastStep !== null).map((r) => r.id),
      sweep.targetLoss,
    );
    return {
      ...toSweepListItem(sweep, counts.get(id) ?? {}),
      request: sweep.request as SweepRequest,
      points: runs.map((r) => pointRow(r, sweep.points[r.sweepIndex ?? 0]?.values ?? {}, steps.get(r.id))),
      map: (sweep.map as Sweep['map']) ?? null,
    };
  }

  async list(q: {
    cursor?: string;
    limit: number;
  }): Promise<{ items: SweepListItem[]; nextCursor: string | null }> {
    const page = await this.store.listSweeps(q);
    const counts = await this.store.sweepCounts(page.items.map((s) => s.id));
    return {
      items: page.items.map((s) => toSweepListItem(s, counts.get(s.id) ?? {})),
      nextCursor: page.nextCursor,
    };
  }

  /** Queued points are cancelled at once; running ones stop within a step (here, or on their instance's heartbeat). */
  async cancel(id: string): Promise<{ cancelled: number; stopping: number }> {
    const outcome = await this.store.cancelSweep(id);
    if (!outcome) throw new AppError('sweep_not_found', `sweep ${id} does not exist`);
    for (const runId of outcome.running) this.dispatcher.cancelLocal(runId);
    if (outcome.cancelled.length > 0) {
      const cancelled = new Set(outcome.cancelled);
      for (const run of await this.store.sweepRuns(id)) {
        if (cancelled.has(run.id)) this.hub.publishRunEvent('finished', toListItem(run));
      }
    }
    this.hub.publishSweepEvent('cancelled', await this.item(id));
    return { cancelled: outcome.cancelled.length, stopping: outcome.running.length };
  }

  async remove(id: string): Promise<void> {
    const item = await this.item(id);
    const runs = await this.store.sweepRuns(id);
    const outcome = await this.store.deleteSweep(id);
    if (outcome === 'not_found') throw new AppError('sweep_not_found', `sweep ${id} does not exist`);
    if (outcome === 'not_finished') {
      throw new AppError(
        'sweep_not_finished',
        `sweep ${id} has ${item.progress.total - item.progress.done} points not finished; cancel it first, then delete it`,
      );
    }
    for (const run of runs) this.hub.publishRunEvent('deleted', toListItem(run));
    this.ended.delete(id);
    this.hub.publishSweepEvent('deleted', item);
  }

  private async record(id: string): Promise<SweepRecord> {
    const sweep = await this.store.getSweep(id);
    if (!sweep) throw new AppError('sweep_not_found', `sweep ${id} does not exist`);
    return sweep;
  }

  private async pointFinished(sweepId: string, run: RunListItem): Promise<void> {
    // Rows are built for listeners only: a sweep nobody watches costs its points no queries (whoever connects
    // later reads the table, and its end, from the database).
    if (!this.hub.hasSweepListeners(sweepId) || this.ended.has(sweepId)) return;
    const [sweep, record] = await Promise.all([this.store.getSweep(sweepId), this.store.getRun(run.id)]);
    if (!sweep || !record || !isFinal(record.status)) return;
    const published = this.published.get(sweepId) ?? new Set<number>();
    this.published.set(sweepId, published);
    const counts = await this.store.sweepCounts([sweepId]);
    const item = toSweepListItem(sweep, counts.get(sweepId) ?? {});
    // The last point: every row not yet published goes out before `finished` (points that finished together are
    // all final by now, and their own events, coming after, find the sweep ended).
    const runs = item.progress.done >= item.progress.total ? await this.store.sweepRuns(sweepId) : [record];
    const rows = runs.filter((r) => isFinal(r.status) && !published.has(r.sweepIndex ?? 0));
    const steps = await this.store.pointSteps(
      rows.filter((r) => r.kind === 'train').map((r) => r.id),
      sweep.targetLoss,
    );
    for (const r of rows) {
      published.add(r.sweepIndex ?? 0);
      this.hub.publishSweepEvent(
        'point',
        item,
        pointRow(r, sweep.points[r.sweepIndex ?? 0]?.values ?? {}, steps.get(r.id)),
      );
    }
    if (item.progress.done >= item.progress.total) {
      this.ended.add(sweepId);
      this.published.delete(sweepId);
      this.hub.publishSweepEvent('finished', item);
    }
  }
}
