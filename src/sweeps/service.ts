// The sweeps use cases behind the routes: create (expand, validate every point, budget the whole, queue its runs),
// read with the results table, list, cancel, delete; and the point results published as the points finish.
import { type RunSpec, SpecError, validateRunSpec } from '../core/index.ts';
import { AppError } from '../http/problems.ts';
import type { Dispatcher } from '../jobs/dispatcher.ts';
import {
  type BudgetLimits,
  checkBudget,
  checkSweepBudget,
  type SweepBudgetLimits,
  workUnitsOf,
} from '../model/budget.ts';
import { isFinal } from '../model/status.ts';
import type { RunStore } from '../model/store.ts';
import type { SweepRecord, SweepStore } from '../model/sweep.ts';
import { exactJsonText } from '../schemas/common.ts';
import { jsonPointer, type ProblemError, zodIssuesToProblemErrors } from '../schemas/problem.ts';
import { toListItem } from '../schemas/run-view.ts';
import type { RunListItem } from '../schemas/runs.ts';
import { RunSpecSchema } from '../schemas/specs.ts';
import type { Sweep, SweepListItem, SweepRequest } from '../schemas/sweeps.ts';
import type { StreamHub } from '../stream/hub.ts';
import { KeyedSerial } from '../stream/keyed-serial.ts';
import { countPoints, expandSweep, type GridSweepInput, SweepExpansionError } from './expand.ts';
import { pointRow, toSweepListItem } from './results.ts';
import { trainabilitySweep } from './trainability.ts';

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

  async create(req: SweepRequest): Promise<SweepRecord> {
    const { input, map } =
      req.kind === 'trainability' ? trainabilitySweep(req) : { input: gridInput(req), map: null };
    const count = countPoints(input);
    if (count > this.options.maxPoints) {
      const path = [req.kind === 'grid' && req.points ? 'points' : 'axes'];
      throw new AppError(
        'budget_exceeded',
        `the sweep has ${count} points, more than ${this.options.maxPoints}`,
        {
          limitName: 'SWEEP_MAX_POINTS',
          limit: this.options.maxPoints,
          actual: count,
          errors: [
            { path, pointer: jsonPointer('body', path), message: `at most ${this.options.maxPoints} points` },
          ],
        },
      );
    }
    let points: ReturnType<typeof expandSweep>;
    try {
      points = expandSweep(input);
    } catch (e) {
      if (e instanceof SweepExpansionError) throw expansionProblem(req, e);
      throw e;
    }
    // The prefix of a point's spec in the request: the base spec a grid point was written into.
    const at = req.kind === 'grid' ? ['base'] : req.base ? ['base'] : [];
    let workUnits = 0;
    let specBytes = 0;
    const runs = points.map((point) => {
      const { name: _ignored, ...candidate } = point.spec;
      const label = `point ${point.index} (${describeValues(point.values)})`;
      const parsed = RunSpecSchema.safeParse(candidate);
      if (!parsed.success) {
        const raw = zodIssuesToProblemErrors(parsed.error.issues, 'body');
        const errors = raw.map((err) => pointError(err, [...at, ...err.path], point.index, label));
        throw new AppError('invalid_spec', `${label}: ${errors[0].pointer}: ${raw[0].message}`, {
          errors,
        });
      }
      const { name: _none, ...spec } = parsed.data;
      const violation = checkBudget(spec as RunSpec, this.options.budget);
      if (violation) {
        const path = [...at, ...violation.path];
        throw new AppError('budget_exceeded', `${label}: ${violation.message}`, {
          limitName: violation.limit,
          limit: violation.max,
          actual: violation.actual,
          errors: [
            {
              path,
              pointer: jsonPointer('body', path),
              message: `${label}: ${violation.message}`,
              point: point.index,
            },
          ],
        });
      }
      let facts: ReturnType<typeof validateRunSpec>;
      try {
        facts = validateRunSpec(spec as RunSpec);
      } catch (e) {
        if (!(e instanceof SpecError)) throw e;
        const path = [...at, ...e.path];
        const pointer = jsonPointer('body', path);
        throw new AppError('invalid_spec', `${label}: ${pointer}: ${e.message}`, {
          errors: [{ path, pointer, message: `${label}: ${e.message}`, point: point.index }],
        });
      }
      workUnits += workUnitsOf(spec as RunSpec);
      const specText = exactJsonText(spec);
      specBytes += Buffer.byteLength(specText);
      return {
        kind: spec.kind,
        name: `${req.name ?? 'sweep'}: ${describeValues(point.values)}`.slice(0, 200),
        specText,
        totalSteps: spec.kind === 'train' ? facts.totalSteps : 1,
        layerCount: facts.layerCount,
      };
    });
    const over = checkSweepBudget({ workUnits, specBytes }, this.options.sweepBudget);
    if (over) {
      const path = [req.kind === 'grid' && req.points ? 'points' : 'axes'];
      throw new AppError('budget_exceeded', over.message, {
        limitName: over.limit,
        limit: over.max,
        actual: over.actual,
        errors: [{ path, pointer: jsonPointer('body', path), message: over.message }],
      });
    }
    const created = await this.store.createSweep(
      {
        kind: req.kind,
        name: req.name ?? null,
        request: req,
        points: points.map((p) => ({ values: p.values })),
        maxConcurrent: req.maxConcurrent ?? this.options.defaultMaxConcurrent,
        targetLoss: req.targetLoss ?? null,
        map,
        runs,
      },
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

function gridInput(req: Extract<SweepRequest, { kind: 'grid' }>): GridSweepInput {
  if ((req.axes === undefined) === (req.points === undefined)) {
    const path = [req.axes ? 'points' : 'axes'];
    throw new AppError('validation_failed', `${jsonPointer('body', path)}: give either axes or points`, {
      errors: [
        {
          path,
          pointer: jsonPointer('body', path),
          message: 'give either axes or points, not both or neither',
        },
      ],
    });
  }
  return {
    base: req.base as unknown as Record<string, unknown>,
    axes: req.axes,
    points: req.points,
    layerTemplate: req.layerTemplate,
    seeds: req.seeds,
    seedField: req.seedField,
  };
}

/** "gain=1.5, scheme=he_normal": pointers by their last token. */
function describeValues(values: Record<string, unknown>): string {
  return Object.entries(values)
    .map(([field, v]) => `${field.split('/').at(-1)}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
}

function pointError(
  err: ProblemError,
  path: (string | number)[],
  point: number,
  label: string,
): ProblemError {
  return { ...err, path, pointer: jsonPointer('body', path), message: `${label}: ${err.message}`, point };
}

/** Where in the request an expansion error is: the axis (or explicit point) that names the field. */
function expansionProblem(req: SweepRequest, e: SweepExpansionError): AppError {
  let path: (string | number)[] = e.path;
  if (req.kind === 'grid' && e.field) {
    if (req.points) path = ['points', e.point ?? 0, e.field];
    else if (req.seedField === e.field || (e.field === '/init/seed' && req.seeds)) path = ['seedField'];
    else {
      (req.axes ?? []).forEach((entry, a) => {
        if ('zip' in entry) {
          const z = entry.zip.findIndex((axis) => axis.field === e.field);
          if (z >= 0) path = ['axes', a, 'zip', z, 'field'];
        } else if (entry.field === e.field) path = ['axes', a, 'field'];
      });
    }
  }
  if (e.path[0] === 'layerTemplate' || e.path[0] === 'axes') path = e.path;
  const pointer = jsonPointer('body', path);
  const where = e.point === undefined ? '' : `point ${e.point}: `;
  return new AppError('invalid_spec', `${where}${pointer}: ${e.message}`, {
    errors: [
      {
        path,
        pointer,
        message: `${where}${e.message}`,
        ...(e.point === undefined ? {} : { point: e.point }),
      },
    ],
  });
}
