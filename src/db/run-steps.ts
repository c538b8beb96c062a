// Per-step statistics: bulk insert (duplicates ignored), range reads with optional down-sampling.
//
// Rows go in through one `INSERT … SELECT FROM unnest(array parameters)` per chunk: 8 bind
// variables however many rows, so Postgres' 32,767-variable limit (createMany's) never applies;
// chunks only bound the statement's size. Floats travel as exact text (NaN and ±Infinity are
// legitimate losses of a diverging run, and Prisma's typed writes cannot carry them).
import type { StepRow } from '../stream/step-encoding.ts';
import { base64ToBytes, float8Text, float32FromBytes, floatsToBase64 } from './bytes.ts';
import { Prisma } from './generated/client.ts';
import type { Queryable } from './run-record.ts';

/** Rows per INSERT statement… */
const CHUNK_ROWS = 5000;
/** …or fewer, so that one statement's base64 payload stays under about 8 MB. */
const CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * Inserts the rows, ignoring any (run, step) already stored (a run recovered and run again
 * re-sends its early steps), and raises the run's last_step to the highest step given.
 * Returns how many rows were new.
 */
export async function insertSteps(db: Queryable, runId: string, rows: StepRow[]): Promise<number> {
  let inserted = 0;
  for (const chunk of chunks(rows)) inserted += await insertChunk(db, runId, chunk);
  return inserted;
}

async function insertChunk(db: Queryable, runId: string, rows: Encoded[]): Promise<number> {
  const col = <K extends keyof Encoded>(k: K) => rows.map((r) => r[k]);
  const maxStep = Math.max(...col('step'));
  // Data-modifying CTEs run to completion whether or not the outer query reads them.
  const [{ n }] = await db.$queryRaw<{ n: number }[]>`
    WITH inserted AS (
      INSERT INTO run_steps (run_id, step, loss, grad_norm, train_accuracy, test_accuracy, layers, histograms)
      SELECT ${runId}::uuid, t.step, t.loss::float8, t.grad_norm::float8, t.train_accuracy::float8,
             t.test_accuracy::float8, decode(t.layers, 'base64'), decode(t.histograms, 'base64')
      FROM unnest(${col('step')}::int[], ${col('loss')}::text[], ${col('gradNorm')}::text[],
                  ${col('trainAccuracy')}::text[], ${col('testAccuracy')}::text[],
                  ${col('layers')}::text[], ${col('histograms')}::text[])
        AS t(step, loss, grad_norm, train_accuracy, test_accuracy, layers, histograms)
      ON CONFLICT (run_id, step) DO NOTHING
      RETURNING 1
    ), bumped AS (
      UPDATE runs SET last_step = GREATEST(last_step, ${maxStep}), updated_at = now()
      WHERE id = ${runId}::uuid
      RETURNING 1
    )
    SELECT count(*)::int AS n FROM inserted`;
  return n;
}

export interface StepRange {
  /** First step, inclusive (default: the first recorded). */
  fromStep?: number;
  /** Last step, inclusive (default: the last recorded). */
  toStep?: number;
  /** At most this many rows (default: all). */
  limit?: number;
  /**
   * Keep every stride-th recorded row of the range counted from its first (positions 0, s, 2s, …,
   * not step numbers: recording may skip steps), plus the range's last row. Default 1: all rows.
   */
  stride?: number;
}

/** Recorded steps in the range, ascending, as stored (layers and histograms as fresh Float32Arrays). */
export async function readSteps(db: Queryable, runId: string, range: StepRange = {}): Promise<StepRow[]> {
  const stride = range.stride ?? 1;
  checkInt('readSteps', 'stride', stride, 1);
  if (range.limit !== undefined) checkInt('readSteps', 'limit', range.limit, 1);
  const inRange = stepRange(range);
  const limit = range.limit === undefined ? Prisma.empty : Prisma.sql`LIMIT ${range.limit}`;
  // bytea comes back as base64 text: see bytes.ts. (Postgres wraps it at 76 characters; Node's
  // base64 decoder skips the newlines.)
  const columns = Prisma.sql`s.step, s.loss, s.grad_norm, s.train_accuracy, s.test_accuracy,
    encode(s.layers, 'base64') AS layers, encode(s.histograms, 'base64') AS histograms`;
  const rows =
    stride === 1
      ? await db.$queryRaw<RawStep[]>`
          SELECT ${columns} FROM run_steps s
          WHERE s.run_id = ${runId}::uuid ${inRange}
          ORDER BY s.step ${limit}`
      : await db.$queryRaw<RawStep[]>`
          WITH ranked AS (
            SELECT s.step, row_number() OVER (ORDER BY s.step) AS rn, count(*) OVER () AS total
            FROM run_steps s WHERE s.run_id = ${runId}::uuid ${inRange}
          )
          SELECT ${columns} FROM ranked r
          JOIN run_steps s ON s.run_id = ${runId}::uuid AND s.step = r.step
          WHERE (r.rn - 1) % ${stride} = 0 OR r.rn = r.total
          ORDER BY s.step ${limit}`;
  return rows.map((r) => ({
    step: r.step,
    loss: r.loss,
    gradNorm: r.grad_norm,
    trainAccuracy: r.train_accuracy,
    testAccuracy: r.test_accuracy,
    layers: float32FromBytes(base64ToBytes(r.layers), `run ${runId} step ${r.step} layers`),
    histograms:
      r.histograms === null
        ? null
        : float32FromBytes(base64ToBytes(r.histograms), `run ${runId} step ${r.step} histograms`),
  }));
}

/** How many steps are recorded in [fromStep, toStep]. */
export function countSteps(
  db: Queryable,
  runId: string,
  fromStep?: number,
  toStep?: number,
): Promise<number> {
  return db.runStep.count({ where: { runId, step: { gte: fromStep, lte: toStep } } });
}

/** Sets the run's last persisted step (insertSteps keeps it up to date by itself). */
export async function setLastStep(db: Queryable, id: string, step: number | null): Promise<void> {
  await db.run.updateMany({ where: { id }, data: { lastStep: step } });
}

interface RawStep {
  step: number;
  loss: number;
  grad_norm: number;
  train_accuracy: number | null;
  test_accuracy: number | null;
  layers: string;
  histograms: string | null;
}

/** A row as the INSERT's array parameters want it. */
interface Encoded {
  step: number;
  loss: string;
  gradNorm: string;
  trainAccuracy: string | null;
  testAccuracy: string | null;
  layers: string;
  histograms: string | null;
}

function* chunks(rows: StepRow[]): Generator<Encoded[]> {
  let chunk: Encoded[] = [];
  let bytes = 0;
  for (const r of rows) {
    const e: Encoded = {
      step: r.step,
      loss: float8Text(r.loss),
      gradNorm: float8Text(r.gradNorm),
      trainAccuracy: r.trainAccuracy === null ? null : float8Text(r.trainAccuracy),
      testAccuracy: r.testAccuracy === null ? null : float8Text(r.testAccuracy),
      layers: floatsToBase64(r.layers),
      histograms: r.histograms ? floatsToBase64(r.histograms) : null,
    };
    const size = e.layers.length + (e.histograms?.length ?? 0) + 64;
    if (chunk.length > 0 && (chunk.length === CHUNK_ROWS || bytes + size > CHUNK_BYTES)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(e);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}

function stepRange(r: StepRange): Prisma.Sql {
  const parts: Prisma.Sql[] = [];
  if (r.fromStep !== undefined) parts.push(Prisma.sql`AND s.step >= ${r.fromStep}`);
  if (r.toStep !== undefined) parts.push(Prisma.sql`AND s.step <= ${r.toStep}`);
  return parts.length ? Prisma.join(parts, ' ') : Prisma.empty;
}

function checkInt(fn: string, name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min)
    throw new RangeError(`${fn}: ${name} must be an integer ≥ ${min}, got ${value}`);
}
