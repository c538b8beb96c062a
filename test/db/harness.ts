// One database per test file and kind (PGlite always; Postgres when TEST_DATABASE_URL is set),
// migrated fresh, emptied before each test, closed and dropped at the end.
import { afterAll, beforeAll, beforeEach, describe } from 'vitest';
import type { RunSpec } from '../../src/core/index.ts';
import { type Database, type DatabaseConfig, migrateDatabase, openDatabase } from '../../src/db/client.ts';
import { specToText } from '../../src/db/run-record.ts';
import { createRun } from '../../src/db/runs-repository.ts';
import { DB_KINDS, type DbKind, freshDatabase, type TestDatabase } from '../helpers/databases.ts';

export interface DbContext {
  kind: DbKind;
  config: DatabaseConfig;
  db: Database;
}

/**
 * Declares `body` once per database kind. A kind that cannot run is a skipped suite (with the
 * reason in its name), never a silent pass.
 */
export function describeEachDatabase(name: string, body: (ctx: () => DbContext) => void): void {
  for (const { kind, skip } of DB_KINDS) {
    describe.skipIf(skip !== false)(`${name} [${kind}]${skip ? ` (skipped: ${skip})` : ''}`, () => {
      let fresh: TestDatabase | undefined;
      let ctx: DbContext | undefined;
      beforeAll(async () => {
        fresh = await freshDatabase(kind);
        const config = { databaseUrl: fresh.databaseUrl, dataDir: fresh.dataDir };
        await migrateDatabase(config);
        ctx = { kind, config, db: await openDatabase(config) };
      });
      beforeEach(async () => {
        await ctx!.db.prisma.$executeRawUnsafe('TRUNCATE runs, sweeps CASCADE');
      });
      afterAll(async () => {
        await ctx?.db.close();
        await fresh?.drop();
      });
      body(() => ctx!);
    });
  }
}

/** A spec the database layer treats as opaque JSON (the repository never looks inside). */
export const SPEC = { kind: 'train', network: { inputSize: 2, layers: [] } } as unknown as RunSpec;

/** Inserts a queued train run and returns its id. */
export async function queuedRun(db: Database, fields: { name?: string; kind?: RunSpec['kind'] } = {}) {
  const { run } = await createRun(db.prisma, {
    kind: fields.kind ?? 'train',
    name: fields.name ?? null,
    specText: specToText(SPEC),
    totalSteps: 100,
    layerCount: 3,
  });
  return run.id;
}

/** Moves a run's lease into the past, as if its instance had stopped renewing it. */
export async function expireLease(db: Database, id: string): Promise<void> {
  await db.prisma
    .$executeRaw`UPDATE runs SET lease_expires_at = now() - interval '1 second' WHERE id = ${id}::uuid`;
}

/** Sets created_at (for ordering tests without sleeping). */
export async function setCreatedAt(db: Database, id: string, at: Date): Promise<void> {
  await db.prisma.$executeRaw`UPDATE runs SET created_at = ${at} WHERE id = ${id}::uuid`;
}
