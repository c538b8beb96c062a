// Applies prisma/migrations in process, keeping Prisma's own _prisma_migrations bookkeeping.
//
// Why not `prisma migrate deploy` in a child process: measured here, the 6.19 CLI's WASM schema
// engine leaves a 10 s timer behind, so every deploy took ≥ 11 s even with nothing to apply, and on
// an already migrated PGlite folder it never exited (PGlite kept re-arming a timer). This takes
// about 0.1 s on Postgres. The table and checksums are Prisma's, so `prisma migrate status` and
// `deploy` agree with what this applied (tested in test/db/migrate.test.ts).
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { DatabaseConfig } from './config.ts';
import { startEmbeddedPostgres } from './pglite.ts';

/** The repository's prisma/migrations, found from this file (works from a checkout and in the image). */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../prisma/migrations/', import.meta.url));

/** Prisma Migrate's advisory lock key: holding it also keeps a concurrent `prisma migrate` out. */
const PRISMA_MIGRATE_LOCK = 72707369;

/** Prisma's table, verbatim, so its CLI reads what we wrote. */
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum"            VARCHAR(64) NOT NULL,
  "finished_at"         TIMESTAMPTZ,
  "migration_name"      VARCHAR(255) NOT NULL,
  "logs"                TEXT,
  "rolled_back_at"      TIMESTAMPTZ,
  "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

export interface MigrationResult {
  /** Names applied now, in order. */
  applied: string[];
  /** Applied earlier but edited since (checksum differs): worth a warning, as Prisma gives. */
  modified: string[];
  /** In the database but not in the folder (e.g. a newer release migrated it): left alone. */
  unknown: string[];
  durationMs: number;
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

interface LocalMigration {
  name: string;
  sql: string;
  checksum: string;
}

/** One session that can run a multi-statement script (simple query protocol) and plain queries. */
interface ScriptSession {
  exec(sql: string): Promise<void>;
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/**
 * Brings the database the config names up to date. Each migration runs in its own transaction
 * together with its bookkeeping row, so a failure leaves nothing half-applied (a migration that
 * cannot run in a transaction, such as CREATE INDEX CONCURRENTLY, does not belong here). Serialized
 * across instances by Prisma's advisory lock. PGlite: give it the open database's `url` (only one
 * process can serve a folder); with just `dataDir` it serves the folder itself for the time it takes.
 */
export async function migrateDatabase(
  config: DatabaseConfig,
  opts: { migrationsDir?: string } = {},
): Promise<MigrationResult> {
  const started = performance.now();
  const local = readMigrations(opts.migrationsDir ?? MIGRATIONS_DIR);
  const session = await openSession(config);
  try {
    await session.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK]);
    try {
      await session.exec(CREATE_MIGRATIONS_TABLE);
      const rows = await session.query<{
        migration_name: string;
        checksum: string;
        finished: boolean;
        rolled_back: boolean;
      }>(
        `SELECT migration_name, checksum, finished_at IS NOT NULL AS finished,
                rolled_back_at IS NOT NULL AS rolled_back
         FROM "_prisma_migrations" ORDER BY started_at`,
      );
      const failed = rows.find((r) => !r.finished && !r.rolled_back);
      if (failed) {
        throw new MigrationError(
          `migration ${failed.migration_name} failed earlier and was not resolved; fix the database, then ` +
            `run \`npx prisma migrate resolve --rolled-back ${failed.migration_name}\` (or --applied)`,
        );
      }
      const done = new Map(rows.filter((r) => r.finished).map((r) => [r.migration_name, r.checksum]));
      const localNames = new Set(local.map((m) => m.name));
      const result: MigrationResult = {
        applied: [],
        modified: local.filter((m) => done.has(m.name) && done.get(m.name) !== m.checksum).map((m) => m.name),
        unknown: [...done.keys()].filter((name) => !localNames.has(name)),
        durationMs: 0,
      };
      for (const m of local) {
        if (done.has(m.name)) continue;
        await applyOne(session, m);
        result.applied.push(m.name);
      }
      result.durationMs = performance.now() - started;
      return result;
    } finally {
      await session.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_LOCK]);
    }
  } finally {
    await session.close();
  }
}

async function applyOne(session: ScriptSession, m: LocalMigration): Promise<void> {
  await session.exec('BEGIN');
  try {
    await session.exec(m.sql);
    await session.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
       VALUES ($1, $2, $3, now(), clock_timestamp(), 1)`,
      [randomUUID(), m.checksum, m.name],
    );
    await session.exec('COMMIT');
  } catch (e) {
    await session.exec('ROLLBACK').catch(() => {});
    throw new MigrationError(
      `migration ${m.name} failed (nothing of it was applied): ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
}

/** Folders holding a migration.sql, in name order (Prisma's timestamp prefixes make that chronological). */
function readMigrations(dir: string): LocalMigration[] {
  if (!existsSync(dir)) throw new MigrationError(`migrateDatabase: no migrations folder at ${dir}`);
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const bytes = readFileSync(join(dir, name, 'migration.sql'));
      // Prisma's checksum: SHA-256 of the file's bytes, hex.
      return {
        name,
        sql: bytes.toString('utf8'),
        checksum: createHash('sha256').update(bytes).digest('hex'),
      };
    });
}

async function openSession(config: DatabaseConfig): Promise<ScriptSession> {
  const embedded = config.databaseUrl ? null : await startEmbeddedPostgres(config.dataDir);
  const client = new pg.Client({ connectionString: config.databaseUrl ?? embedded?.url });
  try {
    await client.connect();
  } catch (e) {
    await embedded?.close();
    throw e;
  }
  return {
    // Without parameters pg uses the simple query protocol, which runs several statements.
    exec: async (sql) => void (await client.query(sql)),
    query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as T[],
    close: async () => {
      await client.end();
      await embedded?.close();
    },
  };
}
