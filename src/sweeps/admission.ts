// Admitting a sweep request, from its body to what is stored: expansion into points, every point read as a run
// spec, each point's budget and the core's checks (which generate its data), the whole sweep's budget, each point's
// stored text. One function on either thread: the loop gets back texts and a few numbers (routes/read-body.ts).
import { type RunSpec, SpecError, validateRunSpec } from '../core/index.ts';
import { type BodyFailure, type ParsedBody, parseJsonBody } from '../http/json-body.ts';
import { AppError, type ErrorCode } from '../http/problems.ts';
import {
  type BudgetLimits,
  checkBudget,
  checkSweepBudget,
  dataRowsOf,
  type SweepBudgetLimits,
  workUnitsOf,
} from '../model/budget.ts';
import type { NewSweep } from '../model/sweep.ts';
import { exactJsonText } from '../schemas/common.ts';
import type { Problem } from '../schemas/problem.ts';
import { jsonPointer, type ProblemError, zodIssuesToProblemErrors } from '../schemas/problem.ts';
import { RunSpecSchema } from '../schemas/specs.ts';
import { type SweepRequest, SweepRequestSchema } from '../schemas/sweeps.ts';
import { countPoints, expandSweep, type GridSweepInput, SweepExpansionError } from './expand.ts';
import { trainabilitySweep } from './trainability.ts';

/** The limits a sweep is admitted under (plain data: they cross the thread boundary). */
export interface SweepAdmissionLimits {
  /** Most points of one sweep (SWEEP_MAX_POINTS). */
  maxPoints: number;
  budget: BudgetLimits;
  sweepBudget: SweepBudgetLimits;
}

/** What the store needs of an admitted sweep, but the instance's defaults (maxConcurrent) and its queue bound. */
export type AdmittedSweep = Omit<NewSweep, 'maxConcurrent'> & { maxConcurrent: number | null };

/** The outcome as plain data (it crosses the thread boundary; errors lose their class there). */
export type SweepAdmission =
  | { kind: 'admitted'; sweep: AdmittedSweep }
  /** The body is not a sweep request (400). */
  | { kind: 'refused'; failure: BodyFailure }
  /** A point or the whole is refused: the problem the service answers (its code, detail and members). */
  | { kind: 'problem'; code: ErrorCode; detail: string; extra: Partial<Problem> }
  /** The points generate more data rows than `maxDataRows`: admit it again where that may take long. */
  | { kind: 'too_many_rows' };

/** The evaluate thread's task (jobs/pool.ts offLoop): the raw body, transferred. */
export interface SweepAdmissionTask {
  body: Uint8Array;
  limits: SweepAdmissionLimits;
}

/** The evaluate thread's entry point: a sweep admitted from its raw JSON body, whatever its data's size. */
export function admitSweepTask(task: SweepAdmissionTask): SweepAdmission {
  return admitParsedSweep(parseJsonBody(task.body, SweepRequestSchema), task.limits);
}

/**
 * Admits a sweep whose body was read against the sweep schema. With `maxDataRows`, the points' data rows are
 * counted before the core's checks generate them: past that many, nothing is checked and the answer is
 * 'too_many_rows' (the caller admits the body again on the thread, from the start: the same outcome).
 */
export function admitParsedSweep(
  parsed: ParsedBody<SweepRequest>,
  limits: SweepAdmissionLimits,
  maxDataRows = Number.POSITIVE_INFINITY,
): SweepAdmission {
  if (!parsed.ok) return { kind: 'refused', failure: parsed.failure };
  try {
    const sweep = admitSweep(parsed.value, limits, maxDataRows);
    return sweep === null ? { kind: 'too_many_rows' } : { kind: 'admitted', sweep };
  } catch (e) {
    if (e instanceof AppError) return { kind: 'problem', code: e.code, detail: e.detail, extra: e.extra };
    throw e;
  }
}

/** The sweep's points checked and their runs' stored texts; null past `maxDataRows`; throws the AppError refusing it. */
function admitSweep(
  req: SweepRequest,
  limits: SweepAdmissionLimits,
  maxDataRows: number,
): AdmittedSweep | null {
  const { input, map } =
    req.kind === 'trainability' ? trainabilitySweep(req) : { input: gridInput(req), map: null };
  const count = countPoints(input);
  if (count > limits.maxPoints) {
    const path = [req.kind === 'grid' && req.points ? 'points' : 'axes'];
    throw new AppError('budget_exceeded', `the sweep has ${count} points, more than ${limits.maxPoints}`, {
      limitName: 'SWEEP_MAX_POINTS',
      limit: limits.maxPoints,
      actual: count,
      errors: [{ path, pointer: jsonPointer('body', path), message: `at most ${limits.maxPoints} points` }],
    });
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
  let dataRows = 0;
  const runs: AdmittedSweep['runs'] = [];
  for (const point of points) {
    const { name: _ignored, ...candidate } = point.spec;
    const label = `point ${point.index} (${describeValues(point.values)})`;
    const parsed = RunSpecSchema.safeParse(candidate);
    if (!parsed.success) {
      const raw = zodIssuesToProblemErrors(parsed.error.issues, 'body');
      const errors = raw.map((err) => pointError(err, [...at, ...err.path], point.index, label));
      throw new AppError('invalid_spec', `${label}: ${errors[0].pointer}: ${raw[0].message}`, { errors });
    }
    const { name: _none, ...rest } = parsed.data;
    const spec = rest as RunSpec;
    const violation = checkBudget(spec, limits.budget);
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
    dataRows += dataRowsOf(spec.data);
    if (dataRows > maxDataRows) return null;
    let facts: ReturnType<typeof validateRunSpec>;
    try {
      facts = validateRunSpec(spec);
    } catch (e) {
      if (!(e instanceof SpecError)) throw e;
      const path = [...at, ...e.path];
      const pointer = jsonPointer('body', path);
      throw new AppError('invalid_spec', `${label}: ${pointer}: ${e.message}`, {
        errors: [{ path, pointer, message: `${label}: ${e.message}`, point: point.index }],
      });
    }
    workUnits += workUnitsOf(spec);
    const specText = exactJsonText(spec);
    specBytes += Buffer.byteLength(specText);
    runs.push({
      kind: spec.kind,
      name: `${req.name ?? 'sweep'}: ${describeValues(point.values)}`.slice(0, 200),
      specText,
      totalSteps: spec.kind === 'train' ? facts.totalSteps : 1,
      layerCount: facts.layerCount,
    });
  }
  const over = checkSweepBudget({ workUnits, specBytes }, limits.sweepBudget);
  if (over) {
    const path = [req.kind === 'grid' && req.points ? 'points' : 'axes'];
    throw new AppError('budget_exceeded', over.message, {
      limitName: over.limit,
      limit: over.max,
      actual: over.actual,
      errors: [{ path, pointer: jsonPointer('body', path), message: over.message }],
    });
  }
  return {
    kind: req.kind,
    name: req.name ?? null,
    requestText: exactJsonText(req),
    points: points.map((p) => ({ values: p.values })),
    maxConcurrent: req.maxConcurrent ?? null,
    targetLoss: req.targetLoss ?? null,
    map,
    runs,
  };
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
