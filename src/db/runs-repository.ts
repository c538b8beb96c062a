// Runs as records: create (idempotent), read, list by page, count, cancel, delete.
// The queue side (claims, leases) is in run-queue.ts; statistics in run-steps.ts and run-weights.ts.
import type { ListQuery, NewRun, RunHeader, RunRecord } from '../model/run.ts';
import { FINAL_STATUSES, RUN_STATUSES, type RunStatus } from '../model/status.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { Prisma } from './generated/client.ts';
import { type Queryable, runListSelect, runSelect, toRunHeader, toRunRecord } from './run-record.ts';

/** The most runs one page may hold. */
export const MAX_PAGE = 500;

export type NewRunInput = Omit<NewRun, 'name' | 'idempotencyKey' | 'requestHash'> & {
  name?: string | null;
  idempotencyKey?: string | null;
  requestHash?: string | null;
};

/**
 * Inserts a queued run. With an idempotency key already used, returns that run and created=false
 * (the caller compares requestHash to tell a retry from a conflicting reuse). Two concurrent
 * creates with one key: the loser's insert hits the unique index and it returns the winner's run.
 * The run comes back without its spec: the caller has it, and reading back megabytes of inline data to
 * parse them again is what kept a large submission on the event loop.
 */
export async function createRun(
  db: Queryable,
  input: NewRunInput,
): Promise<{ run: RunHeader; created: boolean }> {
  const key = input.idempotencyKey ?? null;
  if (key !== null) {
    const existing = await headerByIdempotencyKey(db, key);
    if (existing) return { run: existing, created: false };
  }
  try {
    const row = await db.run.create({
      data: {
        kind: input.kind,
        name: input.name ?? null,
        spec: input.specText,
        totalSteps: input.totalSteps,
        layerCount: input.layerCount,
        idempotencyKey: key,
        requestHash: input.requestHash ?? null,
      },
      select: runListSelect,
    });
    return { run: toRunHeader(row), created: true };
  } catch (e) {
    if (key !== null && isUniqueViolation(e)) {
      const existing = await headerByIdempotencyKey(db, key);
      if (existing) return { run: existing, created: false };
    }
    throw e;
  }
}

export async function getRun(db: Queryable, id: string): Promise<RunRecord | null> {
  const row = await db.run.findUnique({ where: { id }, select: runSelect });
  return row ? toRunRecord(row) : null;
}

export async function getRunHeader(db: Queryable, id: string): Promise<RunHeader | null> {
  const row = await db.run.findUnique({ where: { id }, select: runListSelect });
  return row ? toRunHeader(row) : null;
}

export async function findByIdempotencyKey(db: Queryable, key: string): Promise<RunRecord | null> {
  const row = await db.run.findUnique({ where: { idempotencyKey: key }, select: runSelect });
  return row ? toRunRecord(row) : null;
}

/** The run an idempotency key created, without its spec. */
export async function headerByIdempotencyKey(db: Queryable, key: string): Promise<RunHeader | null> {
  const row = await db.run.findUnique({ where: { idempotencyKey: key }, select: runListSelect });
  return row ? toRunHeader(row) : null;
}

/**
 * Newest first (created_at desc, id desc), `limit` per page. `name` matches a substring, ignoring
 * case. `nextCursor` is null on the last page; a cursor not from here throws InvalidCursorError.
 */
export async function listRuns(
  db: Queryable,
  q: ListQuery,
): Promise<{ items: RunRecord[]; nextCursor: string | null }> {
  if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > MAX_PAGE) {
    throw new RangeError(`listRuns: limit must be an integer in 1..${MAX_PAGE}, got ${q.limit}`);
  }
  const where: Prisma.RunWhereInput = {
    status: q.status,
    kind: q.kind,
    sweepId: q.sweep,
    name: q.name ? { contains: q.name, mode: 'insensitive' } : undefined,
  };
  if (q.cursor) {
    const after = decodeCursor(q.cursor);
    where.OR = [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }];
  }
  const rows = await db.run.findMany({
    where,
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: q.limit + 1,
    select: runListSelect,
  });
  // List items carry no spec (see runListSelect); RunRecord.spec is then null.
  const items = rows.slice(0, q.limit).map((row) => toRunRecord({ ...row, spec: null }));
  const last = items.at(-1);
  return { items, nextCursor: rows.length > q.limit && last ? encodeCursor(last) : null };
}

/** Runs per status, every status present (0 when none). */
export async function countByStatus(db: Queryable): Promise<Record<RunStatus, number>> {
  const groups = await db.run.groupBy({ by: ['status'], _count: { _all: true } });
  const counts = Object.fromEntries(RUN_STATUSES.map((s) => [s, 0])) as Record<RunStatus, number>;
  for (const g of groups) counts[g.status as RunStatus] = g._count._all;
  return counts;
}

/**
 * Single runs waiting to be claimed: what QUEUE_MAX_DEPTH bounds. Points of sweeps are not counted (a 200-point
 * sweep must not make every submission a 429); sweeps have their own bound (SWEEP_QUEUE_MAX_POINTS).
 */
export function queueDepth(db: Queryable): Promise<number> {
  return db.run.count({ where: { status: 'queued', sweepId: null } });
}

/** Points of sweeps waiting to be claimed. */
export function queuedSweepPoints(db: Queryable): Promise<number> {
  return db.run.count({ where: { status: 'queued', sweepId: { not: null } } });
}

/**
 * A queued run is cancelled at once; a running one gets cancel_requested (its instance stops it);
 * a finished one is left alone. Returns the run as it is now, or null when there is none.
 */
export async function requestCancel(db: Queryable, id: string): Promise<RunRecord | null> {
  const cancelled = await db.run.updateMany({
    where: { id, status: 'queued' },
    data: { status: 'cancelled', cancelRequested: true, finishedAt: new Date() },
  });
  if (cancelled.count === 0) {
    // Also covers a run claimed between the two statements.
    await db.run.updateMany({ where: { id, status: 'running' }, data: { cancelRequested: true } });
  }
  return getRun(db, id);
}

/** Deletes a finished run with its steps and weights (ON DELETE CASCADE). */
export async function deleteRun(
  db: Queryable,
  id: string,
): Promise<'deleted' | 'not_found' | 'not_finished'> {
  const { count } = await db.run.deleteMany({ where: { id, status: { in: [...FINAL_STATUSES] } } });
  if (count === 1) return 'deleted';
  const exists = await db.run.findUnique({ where: { id }, select: { id: true } });
  return exists ? 'not_finished' : 'not_found';
}

function isUniqueViolation(e: unknown): boolean {
  return e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002';
}
