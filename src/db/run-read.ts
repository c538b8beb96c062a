// The hot read of one run (GET /v1/runs/:id, and every use case that starts from a run) as one plain SQL
// query on the `pg` pool Prisma's adapter uses: no query compiler, the same RunRecord as run-record.ts maps.
import type pg from 'pg';
import type { RunRecord } from '../model/run.ts';
import type { RunStatus } from '../model/status.ts';
import type { RunKind } from './run-record.ts';
import { specFromText } from './run-record.ts';

/** runSelect's columns (run-record.ts), in its order, under its names. */
const READ_RUN = `SELECT id, kind, name, status, spec, request_hash AS "requestHash", created_at AS "createdAt",
  started_at AS "startedAt", finished_at AS "finishedAt", attempts, cancel_requested AS "cancelRequested",
  last_step AS "lastStep", total_steps AS "totalSteps", layer_count AS "layerCount", summary, diagnosis, result,
  error, sweep_id AS "sweepId", sweep_index AS "sweepIndex"
FROM runs WHERE id = $1`;

/** The row as `pg` parses it: uuid and text as strings, timestamptz as Date, int4 as number, jsonb parsed. */
interface RunRow extends Omit<RunRecord, 'spec'> {
  spec: string;
}

export interface RunReader {
  pool: pg.Pool;
  /**
   * Postgres: a named prepared statement (parsed once per connection, then only bound). PGlite's server
   * shares one session among all connections (pglite-wire.ts), where a second connection preparing the same
   * name would fail: there the statement stays unnamed (parsed in the database's thread, off this loop).
   */
  prepared: boolean;
}

export async function readRun(db: RunReader, id: string): Promise<RunRecord | null> {
  const { rows } = await db.pool.query<RunRow>({
    ...(db.prepared ? { name: 'gradscope_read_run' } : {}),
    text: READ_RUN,
    values: [id],
  });
  const row = rows[0];
  if (!row) return null;
  return {
    ...row,
    kind: row.kind as RunKind,
    status: row.status as RunStatus,
    spec: specFromText(row.spec),
  };
}
