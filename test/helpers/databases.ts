// Test databases: a fresh embedded PGlite folder, or a fresh database on the Postgres at TEST_DATABASE_URL.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export type DbKind = 'pglite' | 'postgres';

export const POSTGRES_URL = process.env.TEST_DATABASE_URL;

/** The kinds to run a suite on, with the reason Postgres is skipped when it is. */
export const DB_KINDS: { kind: DbKind; skip: string | false }[] = [
  { kind: 'pglite', skip: false },
  { kind: 'postgres', skip: POSTGRES_URL ? false : 'TEST_DATABASE_URL is not set' },
];

export interface TestDatabase {
  kind: DbKind;
  /** Set for Postgres; unset means PGlite in dataDir. */
  databaseUrl?: string;
  dataDir: string;
  drop(): Promise<void>;
}

/** A new, empty database of that kind (not migrated). */
export async function freshDatabase(kind: DbKind): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gradscope-test-'));
  if (kind === 'pglite') {
    return {
      kind,
      dataDir: join(dataDir, 'pglite'),
      drop: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  if (!POSTGRES_URL) throw new Error('freshDatabase(postgres): TEST_DATABASE_URL is not set');
  const name = `gradscope_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    kind,
    databaseUrl: url.toString(),
    dataDir,
    async drop() {
      const a = new pg.Client({ connectionString: POSTGRES_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
