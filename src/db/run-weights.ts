// A run's flat parameter vector at the start and at the end, stored as little-endian Float64 bytes.
import { float64FromBytes, floatsToBase64 } from './bytes.ts';
import type { Queryable } from './run-record.ts';

export type WeightsKind = 'initial' | 'final';

/** Stores (or replaces) one vector: a re-run after recovery writes it again. */
export async function saveWeights(
  db: Queryable,
  runId: string,
  kind: WeightsKind,
  values: Float64Array,
): Promise<void> {
  await db.$executeRaw`
    INSERT INTO run_weights (run_id, kind, "values")
    VALUES (${runId}::uuid, ${kind}, decode(${floatsToBase64(values)}, 'base64'))
    ON CONFLICT (run_id, kind) DO UPDATE SET "values" = EXCLUDED."values"`;
}

/** The stored vectors, each a fresh Float64Array; absent keys were never stored. */
export async function readWeights(
  db: Queryable,
  runId: string,
): Promise<{ initial?: Float64Array; final?: Float64Array }> {
  // A typed read: both adapters return bytea columns correctly through findMany.
  const rows = await db.runWeights.findMany({ where: { runId }, select: { kind: true, values: true } });
  const out: { initial?: Float64Array; final?: Float64Array } = {};
  for (const r of rows)
    out[r.kind as WeightsKind] = float64FromBytes(r.values, `run ${runId} ${r.kind} weights`);
  return out;
}
