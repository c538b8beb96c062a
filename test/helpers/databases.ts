// Test databases: a fresh embedded PGlite folder, or a fresh database on the Postgres at TEST_DATABASE_URL.
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { MIGRATIONS_DIR, migrateDatabase } from '../../src/db/migrate.ts';

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

/**
 * A new database of that kind that no other test uses. On Postgres it is empty (CREATE DATABASE). On PGlite it is
 * a copy of a folder migrated once per migration set (pgliteTemplate): an initdb plus the migrations cost 5–7 CPU
 * seconds per folder on our machines (45 s at load 20, past a hook's timeout), a copy 0.3 s. Either way it is
 * migrated by whoever starts on it (migrateDatabase then finds nothing to do on PGlite). `empty` gives PGlite an
 * empty folder too, for the tests of initdb and of migrating from nothing.
 */
export async function freshDatabase(kind: DbKind, opts: { empty?: boolean } = {}): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gradscope-test-'));
  if (kind === 'pglite') {
    if (!opts.empty) cpSync(await pgliteTemplate(), join(dataDir, 'pglite'), { recursive: true });
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

/**
 * A PGlite folder with every migration applied, shared by the test processes of a machine: made by the first that
 * needs it (in a folder of its own, then renamed into place, so a process racing it keeps its own or finds this
 * one), named by a hash of what it depends on (the migrations, the PGlite version, the thread that opens it), so a
 * change to any of them makes a new one. Closed cleanly before it is used, so a copy opens like any folder.
 */
async function pgliteTemplate(): Promise<string> {
  const dir = join(tmpdir(), `gradscope-pglite-template-${templateKey()}`);
  if (existsSync(join(dir, 'ready'))) return join(dir, 'pglite');
  const work = mkdtempSync(join(tmpdir(), 'gradscope-pglite-template-making-'));
  await migrateDatabase({ dataDir: join(work, 'pglite') });
  writeFileSync(join(work, 'ready'), '');
  try {
    renameSync(work, dir);
  } catch {
    rmSync(work, { recursive: true, force: true }); // another process made it first
  }
  return join(dir, 'pglite');
}

function templateKey(): string {
  const h = createHash('sha256');
  for (const name of readdirSync(MIGRATIONS_DIR, { recursive: true, encoding: 'utf8' }).sort()) {
    h.update(name);
    if (name.endsWith('.sql') || name.endsWith('.toml')) h.update(readFileSync(join(MIGRATIONS_DIR, name)));
  }
  h.update(readFileSync(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url)));
  h.update(readFileSync(new URL('../../src/db/pglite-server.ts', import.meta.url)));
  return h.digest('hex').slice(0, 16);
}
