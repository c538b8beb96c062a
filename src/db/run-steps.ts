// Per-step statistics: bulk insert (duplicates ignored), range reads, and paged reads with optional thinning.
//
// Rows go in as plain SQL on the `pg` pool (no Prisma): one `INSERT … SELECT FROM unnest(array parameters)`
// per chunk, 10 bind variables however many rows, so Postgres' 32,767-variable limit never applies. The
// statistics of all the chunk's rows travel as one binary bytea parameter (no base64, no hex, no JSON: `pg`
// binds a Buffer as bytes), cut into rows in SQL by offset and length. Floats travel as exact text (NaN and
// ±Infinity are legitimate losses of a diverging run, and -0 keeps its sign).
import type pg from 'pg';
import type { StepRow } from '../model/run.ts';
import { base64ToBytes, float8Text, float32FromBytes } from './bytes.ts';
import { Prisma } from './generated/client.ts';
import type { Queryable } from './run-record.ts';

/** What `pg` can send a query through: the pool, or one client of it. */
export type PgQueryable = Pick<pg.Pool, 'query'>;

/** Rows per INSERT statement… */
const CHUNK_ROWS = 5000;
/** …or fewer, so that one statement's statistics stay under about 8 MB. */
const CHUNK_BYTES = 8 * 1024 * 1024;

const INSERT_STEPS = `WITH t AS (
    SELECT * FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::int[], $9::int[])
      AS t(step, loss, grad_norm, train_accuracy, test_accuracy, at, layers_len, histograms_len)
  ), inserted AS (
    INSERT INTO run_steps (run_id, step, loss, grad_norm, train_accuracy, test_accuracy, layers, histograms)
    SELECT $1::uuid, t.step, t.loss::float8, t.grad_norm::float8, t.train_accuracy::float8,
           t.test_accuracy::float8, substring($10::bytea FROM t.at + 1 FOR t.layers_len),
           CASE WHEN t.histograms_len IS NULL THEN NULL
                ELSE substring($10::bytea FROM t.at + t.layers_len + 1 FOR t.histograms_len) END
    FROM t
    ON CONFLICT (run_id, step) DO NOTHING
    RETURNING 1
  ), bumped AS (
    UPDATE runs SET last_step = GREATEST(last_step, (SELECT max(step) FROM t)), updated_at = now()
    WHERE id = $1::uuid
    RETURNING 1
  )
  SELECT count(*)::int AS n FROM inserted`;

/**
 * Inserts the rows, ignoring any (run, step) already stored (a run recovered and run again
 * re-sends its early steps), and raises the run's last_step to the highest step given.
 * Returns how many rows were new.
 */
export async function insertSteps(db: PgQueryable, runId: string, rows: StepRow[]): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < rows.length; ) {
    const end = chunkEnd(rows, i);
    inserted += await insertChunk(db, runId, rows.slice(i, end));
    i = end;
  }
  return inserted;
}

/** Where the chunk starting at `from` ends: CHUNK_ROWS rows or CHUNK_BYTES of statistics, at least one row. */
function chunkEnd(rows: StepRow[], from: number): number {
  let bytes = 0;
  let i = from;
  while (i < rows.length && i - from < CHUNK_ROWS) {
    const size = rows[i].layers.byteLength + (rows[i].histograms?.byteLength ?? 0);
    if (i > from && bytes + size > CHUNK_BYTES) break;
    bytes += size;
    i++;
  }
  return i;
}

async function insertChunk(db: PgQueryable, runId: string, rows: StepRow[]): Promise<number> {
  const n = rows.length;
  const steps = new Array<number>(n);
  const losses = new Array<string>(n);
  const gradNorms = new Array<string>(n);
  const train = new Array<string | null>(n);
  const test = new Array<string | null>(n);
  const at = new Array<number>(n);
  const layersLen = new Array<number>(n);
  const histogramsLen = new Array<number | null>(n);
  let total = 0;
  for (const r of rows) total += r.layers.byteLength + (r.histograms?.byteLength ?? 0);
  const bytes = Buffer.allocUnsafe(total);
  let offset = 0;
  for (let k = 0; k < n; k++) {
    const r = rows[k];
    steps[k] = r.step;
    losses[k] = float8Text(r.loss);
    gradNorms[k] = float8Text(r.gradNorm);
    train[k] = r.trainAccuracy === null ? null : float8Text(r.trainAccuracy);
    test[k] = r.testAccuracy === null ? null : float8Text(r.testAccuracy);
    at[k] = offset;
    layersLen[k] = r.layers.byteLength;
    bytes.set(new Uint8Array(r.layers.buffer, r.layers.byteOffset, r.layers.byteLength), offset);
    offset += r.layers.byteLength;
    histogramsLen[k] = r.histograms ? r.histograms.byteLength : null;
    if (r.histograms) {
      bytes.set(
        new Uint8Array(r.histograms.buffer, r.histograms.byteOffset, r.histograms.byteLength),
        offset,
      );
      offset += r.histograms.byteLength;
    }
  }
  const { rows: result } = await db.query<{ n: number }>(INSERT_STEPS, [
    runId,
    steps,
    losses,
    gradNorms,
    train,
    test,
    at,
    layersLen,
    histogramsLen,
    bytes,
  ]);
  return result[0].n;
}

export interface StepRange {
  /** First step, inclusive (default: the first recorded). */
  fromStep?: number;
  /** Last step, inclusive (default: the last recorded). */
  toStep?: number;
  /** At most this many rows (default: all). */
  limit?: number;
  /** false: leave the histograms out (null), for readers that chart the layers' fields only. Default true. */
  histograms?: boolean;
}

/** Recorded steps in the range, ascending, as stored (layers and histograms as fresh Float32Arrays). */
export async function readSteps(db: Queryable, runId: string, range: StepRange = {}): Promise<StepRow[]> {
  if (range.limit !== undefined) checkInt('readSteps', 'limit', range.limit, 1);
  const inRange = stepRange(range);
  const limit = range.limit === undefined ? Prisma.empty : Prisma.sql`LIMIT ${range.limit}`;
  const rows = await db.$queryRaw<RawStep[]>`
    SELECT ${range.histograms === false ? WITHOUT_HISTOGRAMS : COLUMNS} FROM run_steps s
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
const STEP_COLUMNS = Prisma.sql`s.step, s.loss, s.grad_norm, s.train_accuracy, s.test_accuracy,
  encode(s.layers, 'base64') AS layers`;
const COLUMNS = Prisma.sql`${STEP_COLUMNS}, encode(s.histograms, 'base64') AS histograms`;
const WITHOUT_HISTOGRAMS = Prisma.sql`${STEP_COLUMNS}, NULL AS histograms`;

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
