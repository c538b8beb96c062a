// The run table as a work queue: claims with FOR UPDATE SKIP LOCKED, leases renewed by their owner,
// outcomes fenced by owner, recovery of runs whose instance went away, and the bounded enqueue.
//
// All times are the database's now(), never this process's clock, so instances with skewed clocks
// agree on which lease expired.
import type { ClaimedRun, RunHeader, RunOutcome } from '../model/run.ts';
import { floatsToBase64 } from './bytes.ts';
import { Prisma, type PrismaClient } from './generated/client.ts';
import { type Queryable, specFromText } from './run-record.ts';
import { createRun, headerByIdempotencyKey, type NewRunInput, queueDepth } from './runs-repository.ts';

/**
 * Atomically takes up to `limit` runs: running ones whose lease expired (their instance died) first, then queued
 * ones. Each becomes running, owned by `owner` until now + leaseMs, with attempts + 1. Concurrent claimers never get
 * the same run (SKIP LOCKED passes over rows another claim is taking). Not taken: expired runs with a cancel request,
 * or (with `maxAttempts`) with attempts ≥ maxAttempts; failExhausted finishes those.
 *
 * Sweeps: a sweep's queued point is eligible only while the sweep has fewer than its max_concurrent points running
 * (counting the ones this claim takes), and queued runs are taken fewest-running-first: each candidate's `slot` is
 * 1 + the points of its sweep already running + those of its sweep ahead of it in this claim (1 for a single run),
 * then oldest first. So a single run, or another sweep's first point, always goes before a sweep's next point: a
 * 200-point sweep cannot starve what was submitted after it. Exact across instances: claim_runs takes a
 * transaction-scoped advisory lock first, so the per-sweep running counts it reads are those every earlier claim
 * committed, in one statement (no interactive transaction holding a pooled connection).
 */
export async function claimRuns(
  db: Queryable,
  owner: string,
  limit: number,
  leaseMs: number,
  opts: { maxAttempts?: number; exclude?: string[] } = {},
): Promise<ClaimedRun[]> {
  assertPositiveInt('claimRuns', 'limit', limit);
  assertPositiveInt('claimRuns', 'leaseMs', leaseMs);
  const maxAttempts = opts.maxAttempts ?? 2_147_483_647;
  // Runs the caller is still running itself (its lease may have lapsed while its event loop was busy):
  // never claim them again. Sent as one text parameter, which every driver adapter passes the same way.
  const exclude = (opts.exclude ?? []).join(',');
  // The query is the SQL function claim_runs (the sweeps migration): serialized by its lock, its plan kept per session.
  const rows = await db.$queryRaw<{ id: string; spec: string; attempts: number; created_at: Date }[]>`
    SELECT id, spec, attempts, created_at
    FROM claim_runs(${owner}, ${limit}::int, ${leaseMs}::int, ${maxAttempts}::int, ${exclude})`;
  // RETURNING has no order of its own.
  rows.sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || (a.id < b.id ? -1 : 1));
  return rows.map((r) => ({ id: r.id, spec: specFromText(r.spec), attempts: r.attempts }));
}

/** Extends the leases `owner` still holds among `ids`; returns those ids (the others were lost). */
export async function renewLeases(
  db: Queryable,
  owner: string,
  ids: string[],
  leaseMs: number,
): Promise<string[]> {
  assertPositiveInt('renewLeases', 'leaseMs', leaseMs);
  if (ids.length === 0) return [];
  const rows = await db.$queryRaw<{ id: string }[]>`
    UPDATE runs SET lease_expires_at = now() + ${leaseMs} * interval '1 millisecond', updated_at = now()
    WHERE id = ANY(${ids}::uuid[]) AND owner = ${owner} AND status = 'running'
    RETURNING id`;
  return rows.map((r) => r.id);
}

/**
 * Puts a run `owner` holds back in the queue (graceful shutdown). The attempt is given back too:
 * attempts counts starts that ended in a lost worker, and this one ended on purpose.
 * Returns false when the run was no longer this owner's.
 */
export async function releaseRun(db: Queryable, id: string, owner: string): Promise<boolean> {
  const n = await db.$executeRaw`
    UPDATE runs SET status = 'queued', owner = NULL, lease_expires_at = NULL,
        attempts = GREATEST(attempts - 1, 0), updated_at = now()
    WHERE id = ${id}::uuid AND owner = ${owner} AND status = 'running'`;
  return n === 1;
}

/**
 * Stores a run's outcome (and its weights, when given) atomically, if `owner` still holds it. Returns false
 * when it does not: another instance took the run over after this one's lease expired, and that instance's
 * result is the one kept.
 *
 * One statement, not an interactive transaction: the weights' UPSERTs are data-modifying CTEs fed by the
 * fenced UPDATE's RETURNING, so they happen exactly when the outcome is stored, and a large result (a
 * 2,000,000-parameter run is 32 MB of float64) takes as long as it takes instead of running into Prisma's
 * 5 s interactive-transaction timeout (issue 12 §4).
 */
export async function finishRun(
  db: Queryable,
  id: string,
  owner: string,
  outcome: RunOutcome,
): Promise<boolean> {
  // JSON fields left undefined (or null) keep their column: COALESCE with a NULL parameter.
  const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));
  const bytes = (v: Float64Array | undefined) => (v ? floatsToBase64(v) : null);
  const lastStep =
    outcome.lastStep === undefined ? Prisma.empty : Prisma.sql`, last_step = ${outcome.lastStep}`;
  const rows = await db.$queryRaw<{ n: number }[]>`
    WITH finished AS (
      UPDATE runs SET status = ${outcome.status}, finished_at = now(), lease_expires_at = NULL, updated_at = now(),
          summary = COALESCE(${json(outcome.summary)}::jsonb, summary),
          diagnosis = COALESCE(${json(outcome.diagnosis)}::jsonb, diagnosis),
          result = COALESCE(${json(outcome.result)}::jsonb, result),
          error = COALESCE(${json(outcome.error)}::jsonb, error)${lastStep}
      WHERE id = ${id}::uuid AND owner = ${owner} AND status = 'running'
      RETURNING id
    ), stored AS (
      INSERT INTO run_weights (run_id, kind, "values")
      SELECT finished.id, w.kind, decode(w.base64, 'base64')
      FROM finished,
           (VALUES ('initial', ${bytes(outcome.weights?.initial)}::text),
                   ('final', ${bytes(outcome.weights?.final)}::text)) AS w (kind, base64)
      WHERE w.base64 IS NOT NULL
      ON CONFLICT (run_id, kind) DO UPDATE SET "values" = EXCLUDED."values"
    )
    SELECT count(*)::int AS n FROM finished`;
  return rows[0]?.n === 1;
}

/**
 * Finishes the runs whose instance went away (lease expired) and that must not start again: with a
 * cancel request ⇒ cancelled; after `maxAttempts` starts ⇒ failed with error worker_lost.
 * Returns their ids.
 */
export async function failExhausted(db: Queryable, maxAttempts: number): Promise<string[]> {
  assertPositiveInt('failExhausted', 'maxAttempts', maxAttempts);
  const rows = await db.$queryRaw<{ id: string }[]>`
    UPDATE runs SET
        status = CASE WHEN cancel_requested THEN 'cancelled' ELSE 'failed' END,
        error = CASE WHEN cancel_requested THEN error ELSE jsonb_build_object(
          'code', 'worker_lost',
          'message', format('the instance running this run stopped renewing its lease %s times; giving up', attempts)
        ) END,
        finished_at = now(), lease_expires_at = NULL, updated_at = now()
    WHERE status = 'running' AND lease_expires_at < now() AND (cancel_requested OR attempts >= ${maxAttempts})
    RETURNING id`;
  return rows.map((r) => r.id);
}

/** Those of `ids` whose cancellation was requested. */
export async function cancelRequestedAmong(db: Queryable, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db.run.findMany({
    where: { id: { in: ids }, cancelRequested: true },
    select: { id: true },
  });
  return rows.map((r) => r.id);
}

/**
 * Makes every running run claimable now. Only for the embedded database at start-up, where one
 * process is the only possible owner, so whatever is running was left by a previous process.
 */
export function expireAllLeases(db: Queryable): Promise<number> {
  return db.$executeRaw`
    UPDATE runs SET lease_expires_at = now() - interval '1 millisecond', updated_at = now()
    WHERE status = 'running'`;
}

function assertPositiveInt(fn: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${fn}: ${name} must be a positive integer, got ${value}`);
}

/** Advisory-lock key that serializes submissions (an arbitrary constant: 'gradscope enqueue'). */
const ENQUEUE_LOCK = 0x67726164;

/**
 * Inserts a queued run unless `maxQueued` runs are queued already: the count and the insert are one
 * step, serialized across connections and instances by a transaction-scoped advisory lock (a bare
 * count-then-insert let concurrent submissions overshoot the bound). An idempotency key already used
 * returns its run (created=false) whatever the depth. 'queue_full' when the bound is reached.
 */
export async function createRunWithinBound(
  prisma: PrismaClient,
  input: NewRunInput,
  maxQueued: number,
): Promise<{ run: RunHeader; created: boolean } | 'queue_full'> {
  assertPositiveInt('createRunWithinBound', 'maxQueued', maxQueued);
  return prisma.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${ENQUEUE_LOCK}::bigint)`;
      // Under the lock no other submission can insert the same key, so createRun's insert cannot race.
      const key = input.idempotencyKey ?? null;
      const existing = key === null ? null : await headerByIdempotencyKey(tx, key);
      if (existing) return { run: existing, created: false };
      if ((await queueDepth(tx)) >= maxQueued) return 'queue_full';
      return createRun(tx, input);
    },
    { maxWait: 5000 },
  );
}
