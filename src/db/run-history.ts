// Finished runs' downsampled chart histories (run_history_summaries): one stored answer per run and query, so a
// cold open of a long run reads one row of ~1 MB instead of every step's statistics (36 MB for 10,000 × 50 layers).
import { base64ToBytes } from './bytes.ts';
import type { Queryable } from './run-record.ts';

/** The stored answer of `query`, or null when none is stored. */
export async function readHistorySummary(
  db: Queryable,
  runId: string,
  query: string,
): Promise<Uint8Array | null> {
  const rows = await db.$queryRaw<{ body: string }[]>`
    SELECT encode(body, 'base64') AS body FROM run_history_summaries
    WHERE run_id = ${runId}::uuid AND query = ${query}`;
  return rows.length === 0 ? null : base64ToBytes(rows[0].body);
}

/**
 * Stores an answer unless the run already has `maxPerRun` of them (clients choose fields and points: the
 * storage per run stays bounded) or is gone. An answer already stored for the query is kept (it is the same).
 * Returns whether this call stored it.
 */
export async function saveHistorySummary(
  db: Queryable,
  runId: string,
  query: string,
  body: Uint8Array,
  maxPerRun: number,
): Promise<boolean> {
  const base64 = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('base64');
  const stored = await db.$executeRaw`
    INSERT INTO run_history_summaries (run_id, query, body)
    SELECT r.id, ${query}, decode(${base64}, 'base64') FROM runs r
    WHERE r.id = ${runId}::uuid
      AND (SELECT count(*) FROM run_history_summaries s WHERE s.run_id = r.id) < ${maxPerRun}
    ON CONFLICT (run_id, query) DO NOTHING`;
  return stored > 0;
}
