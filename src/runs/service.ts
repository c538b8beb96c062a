// The runs use cases behind the routes: create (validate, budget, queue bound), read, list, metrics,
// model, cancel, delete, and waiting for completion. Routes stay thin; the database sits behind RunStore.
import { layoutOf, SpecError, weightsToJson } from '../core/index.ts';
import { AppError, specProblem } from '../http/problems.ts';
import type { Dispatcher } from '../jobs/dispatcher.ts';
import type { JobPool } from '../jobs/pool.ts';
import type { RunAdmission } from '../jobs/run-admission.ts';
import type { BudgetLimits } from '../model/budget.ts';
import type { ListQuery, RunHeader, RunRecord } from '../model/run.ts';
import { isFinal } from '../model/status.ts';
import type { RunStore } from '../model/store.ts';
import { nullIfNotFinite } from '../schemas/common.ts';
import { toListItem } from '../schemas/run-view.ts';
import type { ExportFormat, MetricsQuery, RunListItem } from '../schemas/runs.ts';
import type { StreamHub } from '../stream/hub.ts';
import { columnBuffers, metricsColumns, metricsExport, type StepCounts } from './metrics.ts';

/** The module the evaluate thread writes the metrics JSON with (its metricsJson). */
const METRICS_JSON = new URL('./metrics-json.ts', import.meta.url).href;

export interface RunsServiceOptions {
  queueMaxDepth: number;
  budget: BudgetLimits;
  /** Seconds a client is told to wait when the queue is full. */
  retryAfterSeconds: number;
}

export class RunsService {
  constructor(
    private readonly store: RunStore,
    private readonly hub: StreamHub,
    private readonly dispatcher: Dispatcher,
    /** The evaluate thread, where the metrics JSON is written. */
    private readonly pool: Pick<JobPool, 'offLoop'>,
    private readonly options: RunsServiceOptions,
  ) {}

  /** The limits a run request is admitted under (jobs/run-admission.ts). */
  get budget(): BudgetLimits {
    return this.options.budget;
  }

  /**
   * Answers an admission's refusal (budget, then the core's checks), or stores the admitted run (queued) within the
   * queue bound and wakes the dispatcher.
   */
  async create(
    admission: Exclude<RunAdmission, { kind: 'refused' }>,
    idempotencyKey: string | null,
  ): Promise<{ run: RunHeader; created: boolean }> {
    if (admission.kind === 'over_budget') {
      const violation = admission.violation;
      throw new AppError('budget_exceeded', violation.message, {
        limitName: violation.limit,
        limit: violation.max,
        actual: violation.actual,
        errors: [
          { path: violation.path, pointer: `/body/${violation.path.join('/')}`, message: violation.message },
        ],
      });
    }
    if (admission.kind === 'spec_error') throw specProblem(new SpecError(admission.path, admission.message));
    const { requestHash } = admission.run;
    const result = await this.store.createRun(
      { ...admission.run, idempotencyKey },
      this.options.queueMaxDepth,
    );
    if (result === 'queue_full') {
      throw new AppError('queue_full', `${this.options.queueMaxDepth} runs are already queued; retry later`, {
        retryAfter: this.options.retryAfterSeconds,
      });
    }
    if (!result.created && result.run.requestHash !== requestHash) {
      throw new AppError(
        'idempotency_conflict',
        `Idempotency-Key ${idempotencyKey} was used for a different run`,
      );
    }
    if (result.created) {
      this.hub.publishRunEvent('created', toListItem(result.run));
      this.dispatcher.wake();
    }
    return result;
  }

  async get(id: string): Promise<RunRecord> {
    const run = await this.store.getRun(id);
    if (!run) throw new AppError('run_not_found', `run ${id} does not exist`);
    return run;
  }

  async list(q: ListQuery): Promise<{ items: RunListItem[]; nextCursor: string | null }> {
    const page = await this.store.listRuns(q);
    return { items: page.items.map(toListItem), nextCursor: page.nextCursor };
  }

  /** Resolves with the run once it is final, or as it is after `ms`. */
  async waitForFinal(id: string, ms: number): Promise<RunRecord> {
    const deadline = Date.now() + ms;
    // The status is polled without the spec (a run's inline data would be read and parsed every 250 ms); the whole
    // run is read once, for the answer.
    const header = async () => {
      const h = await this.store.getRunHeader(id);
      if (!h) throw new AppError('run_not_found', `run ${id} does not exist`);
      return h;
    };
    let run = await header();
    while (!isFinal(run.status) && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(250, Math.max(0, deadline - Date.now())));
        const unsubscribe = this.hub.subscribe(id, { steps() {}, status() {}, end: done });
        function done() {
          clearTimeout(timer);
          unsubscribe();
          resolve();
        }
      });
      run = await header();
    }
    return this.get(id);
  }

  async cancel(id: string): Promise<RunRecord> {
    const before = await this.store.getRunHeader(id);
    if (!before) throw new AppError('run_not_found', `run ${id} does not exist`);
    if (isFinal(before.status)) throw new AppError('run_finished', `run ${id} already ${before.status}`);
    const after = await this.store.requestCancel(id);
    if (!after) throw new AppError('run_not_found', `run ${id} does not exist`);
    if (after.status === 'cancelled') this.hub.publishRunEvent('finished', toListItem(after));
    else this.dispatcher.cancelLocal(id);
    return after;
  }

  async remove(id: string): Promise<void> {
    const run = await this.store.getRunHeader(id);
    const outcome = await this.store.deleteRun(id);
    if (outcome === 'not_found' || !run) throw new AppError('run_not_found', `run ${id} does not exist`);
    if (outcome === 'not_finished') {
      throw new AppError('run_not_finished', `run ${id} is ${run.status}; cancel it first, then delete it`);
    }
    this.hub.publishRunEvent('deleted', toListItem(run));
  }

  /** Recorded statistics as JSON columns (at most METRICS_JSON_MAX_POINTS steps). */
  /** What the JSON metrics answer would count (HEAD): its columns read, no bytes written. */
  async metricsCounts(id: string, q: MetricsQuery): Promise<StepCounts> {
    return (await metricsColumns(this.store, await this.get(id), q)).counts;
  }

  /** The JSON metrics answer: its columns read here, its bytes written on the evaluate thread (metrics-json.ts). */
  async metrics(id: string, q: MetricsQuery): Promise<{ counts: StepCounts; json: Uint8Array }> {
    const columns = await metricsColumns(this.store, await this.get(id), q);
    const { json } = await this.pool.offLoop<{ json: Uint8Array }>(
      METRICS_JSON,
      'metricsJson',
      columns,
      columnBuffers(columns),
    );
    return { counts: columns.counts, json };
  }

  /** Recorded statistics as a streamed CSV or NDJSON export. */
  async exportMetrics(id: string, q: MetricsQuery, format: ExportFormat) {
    return metricsExport(this.store, await this.get(id), q, format);
  }

  async model(id: string) {
    const run = await this.get(id);
    const layout = layoutOf(run.spec.network);
    const weights = await this.store.readWeights(id);
    const json = (theta?: Float64Array) =>
      theta
        ? weightsToJson(layout, theta).map(({ W, b }) => ({
            W: W.map((row) => row.map(nullIfNotFinite)),
            b: b ? b.map(nullIfNotFinite) : null,
          }))
        : null;
    return {
      runId: id,
      layout: {
        inputSize: layout.inputSize,
        layers: layout.layers.map((l) => ({
          fanIn: l.fanIn,
          fanOut: l.fanOut,
          activation: l.activation,
          hasBias: l.hasBias,
        })),
      },
      initial: json(weights.initial),
      final: json(weights.final),
    };
  }
}
