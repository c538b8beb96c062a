// Sweeps as records: create with their runs (bounded), read, list by page, point counts, the steps facts of the
// results table, cancel and delete. The claim query that caps a sweep's running points is in run-queue.ts.
import { FIELD, FIELD_COUNT } from '../core/index.ts';
import type { RunRecord } from '../model/run.ts';
import { FINAL_STATUSES } from '../model/status.ts';
import type { NewSweep, PointSteps, SweepKind, SweepRecord } from '../model/sweep.ts';
import { exactJsonText } from '../schemas/common.ts';
import { base64ToBytes, float32FromBytes } from './bytes.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import type { Prisma, PrismaClient } from './generated/client.ts';
import { type Queryable, runListSelect, toRunRecord } from './run-record.ts';
import { MAX_PAGE, queuedSweepPoints } from './runs-repository.ts';

const sweepSelect = {
  id: true,
  kind: true,
  name: true,
  request: true,
  points: true,
  pointCount: true,
  maxConcurrent: true,
  targetLoss: true,
  cancelRequested: true,
  map: true,
  createdAt: true,
} as const satisfies Prisma.SweepSelect;

type SweepRow = Prisma.SweepGetPayload<{ select: typeof sweepSelect }>;

function toSweepRecord(row: SweepRow): SweepRecord {
  return {
    ...row,
    kind: row.kind as SweepKind,
    request: JSON.parse(row.request),
    points: JSON.parse(row.points),
    map: row.map === null ? null : JSON.parse(row.map),
  };
}

/** Runs per createMany: 9 columns each, far below the 32,767 bind variables of one statement. */
const RUN_CHUNK = 1000;

/** Advisory-lock key serializing sweep submissions (the queued-points bound): 'gradscope sweeps'. */
const SWEEP_ENQUEUE_LOCK = 0x73776570;

export async function createSweep(
  prisma: PrismaClient,
  sweep: NewSweep,
  maxQueuedPoints: number,
): Promise<SweepRecord | 'queue_full'> {
  return prisma.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${SWEEP_ENQUEUE_LOCK}::bigint)`;
      if ((await queuedSweepPoints(tx)) + sweep.runs.length > maxQueuedPoints) return 'queue_full';
      const row = await tx.sweep.create({
        data: {
          kind: sweep.kind,
          name: sweep.name,
          request: sweep.requestText,
          points: exactJsonText(sweep.points),
          pointCount: sweep.runs.length,
          maxConcurrent: sweep.maxConcurrent,
          targetLoss: sweep.targetLoss,
          map: sweep.map === null ? null : exactJsonText(sweep.map),
        },
        select: sweepSelect,
      });
      for (let start = 0; start < sweep.runs.length; start += RUN_CHUNK) {
        await tx.run.createMany({
          data: sweep.runs.slice(start, start + RUN_CHUNK).map((run, i) => ({
            kind: run.kind,
            name: run.name,
            spec: run.specText,
            totalSteps: run.totalSteps,
            layerCount: run.layerCount,
            sweepId: row.id,
            sweepIndex: start + i,
          })),
        });
      }
      return toSweepRecord(row);
    },
    // A 10,000-point sweep is tens of megabytes of specs: more than the default 5 s on a busy machine.
    { maxWait: 5000, timeout: 120_000 },
  );
}

export async function getSweep(db: Queryable, id: string): Promise<SweepRecord | null> {
  const row = await db.sweep.findUnique({ where: { id }, select: sweepSelect });
  return row ? toSweepRecord(row) : null;
}

/** Newest first, `limit` per page, with the same opaque (created_at, id) cursor as run lists. */
export async function listSweeps(
  db: Queryable,
  q: { cursor?: string; limit: number },
): Promise<{ items: SweepRecord[]; nextCursor: string | null }> {
  if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > MAX_PAGE) {
    throw new RangeError(`listSweeps: limit must be an integer in 1..${MAX_PAGE}, got ${q.limit}`);
  }
  const where: Prisma.SweepWhereInput = {};
  if (q.cursor) {
    const after = decodeCursor(q.cursor);
    where.OR = [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }];
  }
  const rows = await db.sweep.findMany({
    where,
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: q.limit + 1,
    select: sweepSelect,
  });
  const items = rows.slice(0, q.limit).map(toSweepRecord);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > q.limit && last ? encodeCursor(last) : null };
}

export async function sweepCounts(
  db: Queryable,
  ids: string[],
): Promise<Map<string, Record<string, number>>> {
  const out = new Map<string, Record<string, number>>(ids.map((id) => [id, {}]));
  if (ids.length === 0) return out;
  const groups = await db.run.groupBy({
    by: ['sweepId', 'status'],
    where: { sweepId: { in: ids } },
    _count: { _all: true },
  });
  for (const g of groups) {
    const counts = out.get(g.sweepId as string);
    if (counts) counts[g.status] = g._count._all;
  }
  return out;
}

export async function sweepRuns(db: Queryable, id: string): Promise<RunRecord[]> {
  const rows = await db.run.findMany({
    where: { sweepId: id },
    orderBy: { sweepIndex: 'asc' },
    select: runListSelect,
  });
  return rows.map((row) => toRunRecord({ ...row, spec: null }));
}

/**
 * The first recorded step's first- and last-layer RMS of ∂loss/∂Z, and the first step with loss ≤ target, of each run:
 * two queries for the whole sweep.
 */
export async function pointSteps(
  db: Queryable,
  runIds: string[],
  targetLoss: number | null,
): Promise<Map<string, PointSteps>> {
  const out = new Map<string, PointSteps>();
  if (runIds.length === 0) return out;
  const ids = runIds.join(',');
  // bytea as base64 text: the two driver adapters hand raw bytea back in different shapes.
  const first = await db.$queryRaw<{ run_id: string; layers: string }[]>`
    SELECT DISTINCT ON (run_id) run_id, encode(layers, 'base64') AS layers FROM run_steps
    WHERE run_id = ANY (string_to_array(${ids}, ',')::uuid[])
    ORDER BY run_id, step`;
  for (const row of first) {
    const values = float32FromBytes(base64ToBytes(row.layers), 'run_steps.layers');
    const layers = values.length / FIELD_COUNT;
    const rms = (layer: number) => {
      const v = values[layer * FIELD_COUNT + FIELD.deltaRms];
      return Number.isFinite(v) ? v : null;
    };
    out.set(row.run_id, { firstDeltaRms: rms(0), lastDeltaRms: rms(layers - 1), stepsToTarget: null });
  }
  if (targetLoss !== null) {
    const reached = await db.$queryRaw<{ run_id: string; step: number }[]>`
      SELECT run_id, min(step)::int AS step FROM run_steps
      WHERE run_id = ANY (string_to_array(${ids}, ',')::uuid[]) AND loss <= ${targetLoss}
      GROUP BY run_id`;
    for (const row of reached) {
      const facts = out.get(row.run_id);
      if (facts) facts.stepsToTarget = row.step;
    }
  }
  return out;
}

export async function cancelSweep(
  prisma: PrismaClient,
  id: string,
): Promise<{ cancelled: string[]; running: string[] } | null> {
  return prisma.$transaction(async (tx) => {
    const marked = await tx.sweep.updateMany({ where: { id }, data: { cancelRequested: true } });
    if (marked.count === 0) return null;
    const cancelled = await tx.$queryRaw<{ id: string }[]>`
      UPDATE runs SET status = 'cancelled', cancel_requested = true, finished_at = now(), updated_at = now()
      WHERE sweep_id = ${id}::uuid AND status = 'queued'
      RETURNING id`;
    const running = await tx.$queryRaw<{ id: string }[]>`
      UPDATE runs SET cancel_requested = true, updated_at = now()
      WHERE sweep_id = ${id}::uuid AND status = 'running'
      RETURNING id`;
    return { cancelled: cancelled.map((r) => r.id), running: running.map((r) => r.id) };
  });
}

export async function deleteSweep(
  prisma: PrismaClient,
  id: string,
): Promise<'deleted' | 'not_found' | 'not_finished'> {
  return prisma.$transaction(async (tx) => {
    // Locks the sweep row: a concurrent claim cannot start one of its points while it is being deleted.
    const found = await tx.$queryRaw<
      { id: string }[]
    >`SELECT id FROM sweeps WHERE id = ${id}::uuid FOR UPDATE`;
    if (found.length === 0) return 'not_found';
    const open = await tx.run.count({ where: { sweepId: id, status: { notIn: [...FINAL_STATUSES] } } });
    if (open > 0) return 'not_finished';
    await tx.sweep.delete({ where: { id } });
    return 'deleted';
  });
}
