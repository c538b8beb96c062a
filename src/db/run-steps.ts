// Per-step statistics: bulk insert (duplicates ignored), range reads, and paged reads with optional thinning.
//
// Rows go in through one `INSERT … SELECT FROM unnest(array parameters)` per chunk: 8 bind
// variables however many rows, so Postgres' 32,767-variable limit (createMany's) never applies;
// chunks only bound the statement's size. Floats travel as exact text (NaN and ±Infinity are
// legitimate losses of a diverging run, and Prisma's typed writes cannot carry them).
import type { StepRow } from '../model/run.ts';
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
}

/** Recorded steps in the range, ascending, as stored (layers and histograms as fresh Float32Arrays). */
export async function readSteps(db: Queryable, runId: string, range: StepRange = {}): Promise<StepRow[]> {
  if (range.limit !== undefined) checkInt('readSteps', 'limit', range.limit, 1);
  const inRange = stepRange(range);
  const limit = range.limit === undefined ? Prisma.empty : Prisma.sql`LIMIT ${range.limit}`;
  const rows = await db.$queryRaw<RawStep[]>`
    SELECT ${COLUMNS} FROM run_steps s
    WHERE s.run_id = ${runId}::uuid ${inRange}
    ORDER BY s.step ${limit}`;
  return rows.map((r) => toStepRow(runId, r));
}

/** How many steps are recorded in [fromStep, toStep], and the last of them (null when none). */
export async function stepSpan(
  db: Queryable,
  runId: string,
  fromStep?: number,
  toStep?: number,
): Promise<{ count: number; lastStep: number | null }> {
  const [span] = await db.$queryRaw<{ count: number; last_step: number | null }[]>`
    SELECT count(*)::int AS count, max(s.step) AS last_step FROM run_steps s
    WHERE s.run_id = ${runId}::uuid ${stepRange({ fromStep, toStep })}`;
  return { count: span.count, lastStep: span.last_step };
}

export interface StepPages {
  /** First step, inclusive (default: the first recorded). */
  fromStep?: number;
  /** Last step, inclusive: give the range's last recorded step (stepSpan), which is always kept. */
  lastStep: number;
  /**
   * Keep every stride-th recorded row of the range counted from its first (positions 0, s, 2s, …,
   * not step numbers: recording may skip steps), plus the range's last row. Default 1: all rows.
   */
  stride?: number;
  /** Rows per page (each page is one query: memory is bounded by the page, not by the run). */
  pageRows: number;
}

/**
 * The recorded steps of [fromStep, lastStep] (thinned by `stride`), ascending, one page at a time.
 * Keyset pagination: each page scans pageRows × stride recorded steps after the previous page's last,
 * so the whole range costs one pass over its index entries however long the run is.
 */
export async function* readStepPages(db: Queryable, runId: string, q: StepPages): AsyncGenerator<StepRow[]> {
  const stride = q.stride ?? 1;
  checkInt('readStepPages', 'stride', stride, 1);
  checkInt('readStepPages', 'pageRows', q.pageRows, 1);
  const scan = q.pageRows * stride;
  let from = q.fromStep ?? 0;
  while (from <= q.lastStep) {
    // Each page scans a whole multiple of stride positions, so (rn - 1) % stride keeps the phase of
    // the range's first row across pages.
    const rows = await db.$queryRaw<(RawStep & { scanned_to: number })[]>`
      WITH scanned AS (
        SELECT s.step FROM run_steps s
        WHERE s.run_id = ${runId}::uuid AND s.step >= ${from} AND s.step <= ${q.lastStep}
        ORDER BY s.step LIMIT ${scan}
      ), ranked AS (
        SELECT step, row_number() OVER (ORDER BY step) AS rn, max(step) OVER () AS scanned_to FROM scanned
      )
      SELECT r.scanned_to, ${COLUMNS} FROM ranked r
      JOIN run_steps s ON s.run_id = ${runId}::uuid AND s.step = r.step
      WHERE (r.rn - 1) % ${stride} = 0 OR r.step = ${q.lastStep}
      ORDER BY s.step`;
    if (rows.length === 0) return;
    yield rows.map((r) => toStepRow(runId, r));
    from = rows[0].scanned_to + 1;
  }
}

/** Sets the run's last persisted step (insertSteps keeps it up to date by itself). */
export async function setLastStep(db: Queryable, id: string, step: number | null): Promise<void> {
  await db.run.updateMany({ where: { id }, data: { lastStep: step } });
}

// bytea comes back as base64 text: see bytes.ts. (Postgres wraps it at 76 characters; Node's base64
// decoder skips the newlines.)
const COLUMNS = Prisma.sql`s.step, s.loss, s.grad_norm, s.train_accuracy, s.test_accuracy,
  encode(s.layers, 'base64') AS layers, encode(s.histograms, 'base64') AS histograms`;

function toStepRow(runId: string, r: RawStep): StepRow {
  return {
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
  };
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
