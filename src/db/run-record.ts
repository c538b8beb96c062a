// The run row as the service reads it: one explicit Prisma select, and its mapping to RunRecord.
import type { RunSpec } from '../core/index.ts';
import type { RunHeader, RunRecord } from '../model/run.ts';
import type { RunStatus } from '../model/status.ts';
import { exactJsonText } from '../schemas/common.ts';
import type { Prisma } from './generated/client.ts';

/** Prisma client or interactive-transaction client: what every repository function queries through. */
export type Queryable = Prisma.TransactionClient;

export type RunKind = RunSpec['kind'];

/** Columns returned to callers. Not here: idempotency_key, owner, lease_expires_at, updated_at. */
export const runSelect = {
  id: true,
  kind: true,
  name: true,
  status: true,
  spec: true,
  requestHash: true,
  createdAt: true,
  startedAt: true,
  finishedAt: true,
  attempts: true,
  cancelRequested: true,
  lastStep: true,
  totalSteps: true,
  layerCount: true,
  summary: true,
  diagnosis: true,
  result: true,
  error: true,
  sweepId: true,
  sweepIndex: true,
} as const satisfies Prisma.RunSelect;

/** For lists: everything but the spec (inline data can make a spec megabytes long). */
export const runListSelect = { ...runSelect, spec: false } as const satisfies Prisma.RunSelect;

type RunRow = Prisma.RunGetPayload<{ select: typeof runSelect }>;

/** The CHECK constraints of the init migration guarantee kind and status; spec was validated on the way in. */
export function toRunRecord(row: Omit<RunRow, 'spec'> & { spec: string | null }): RunRecord {
  return {
    ...toRunHeader(row),
    spec: row.spec === null ? (null as unknown as RunSpec) : specFromText(row.spec),
  };
}

/** A row read without its spec (runListSelect). */
export function toRunHeader(row: Omit<RunRow, 'spec'>): RunHeader {
  const { spec: _none, ...header } = row as RunRow;
  return { ...header, kind: row.kind as RunKind, status: row.status as RunStatus };
}

/**
 * The text stored in runs.spec: every number with all its bits (−0 included), so that what a run reads back,
 * returns and trains on is exactly what was sent. Prisma's Json type cannot do that (see the schema).
 */
export function specToText(spec: RunSpec): string {
  return exactJsonText(spec);
}

export function specFromText(text: string): RunSpec {
  return JSON.parse(text) as RunSpec;
}
