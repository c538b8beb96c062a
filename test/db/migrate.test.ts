// Migrations: applied in process with Prisma's bookkeeping, once, atomically, and in step with
// prisma/schema.prisma.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.ts';
import { MIGRATIONS_DIR, MigrationError, migrateDatabase } from '../../src/db/migrate.ts';
import { getRun } from '../../src/db/runs-repository.ts';
import { DB_KINDS, freshDatabase, type TestDatabase } from '../helpers/databases.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const PRISMA = join(ROOT, 'node_modules', '.bin', 'prisma');
const INIT = '20261126222637_init';
/** Every migration of the repository, in order (Prisma applies them by name). */
const ALL = readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function fresh(kind: 'pglite' | 'postgres'): Promise<TestDatabase> {
  const t = await freshDatabase(kind, { empty: true });
  cleanups.push(() => t.drop());
  return t;
}

/** A copy of the real migrations plus extra ones, for failure cases. */
function migrationsWith(extra: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'gradscope-migrations-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  for (const [name, sql] of Object.entries(extra)) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'migration.sql'), sql);
  }
  return dir;
}

for (const { kind, skip } of DB_KINDS) {
  describe.skipIf(skip !== false)(`migrateDatabase [${kind}]${skip ? ` (skipped: ${skip})` : ''}`, () => {
    it('applies the migrations to a fresh database once, recording them as Prisma does', async () => {
      const t = await fresh(kind);
      const first = await migrateDatabase(t);
      const again = await migrateDatabase(t);
      console.info(
        `[${kind}] migrate fresh: ${first.durationMs.toFixed(0)} ms; up to date: ${again.durationMs.toFixed(0)} ms`,
      );
      expect(first).toMatchObject({ applied: ALL, modified: [], unknown: [] });
      expect(again).toMatchObject({ applied: [], modified: [], unknown: [] });
      const db = await openDatabase(t);
      try {
        const rows = await db.prisma.$queryRaw<
          { migration_name: string; checksum: string; applied_steps_count: number }[]
        >`
          SELECT migration_name, checksum, applied_steps_count FROM "_prisma_migrations" WHERE finished_at IS NOT NULL`;
        expect(rows).toEqual(
          ALL.map((name) => ({
            migration_name: name,
            checksum: expect.stringMatching(/^[0-9a-f]{64}$/),
            applied_steps_count: 1,
          })),
        );
        expect(await db.prisma.run.count()).toBe(0);
      } finally {
        await db.close();
      }
    });

    it('applies nothing of a failing migration and names it', async () => {
      const t = await fresh(kind);
      const dir = migrationsWith({
        '29990101000000_broken': 'CREATE TABLE half_done (a int);\nSELECT * FROM no_such_table;\n',
      });
      await expect(migrateDatabase(t, { migrationsDir: dir })).rejects.toThrow(
        /migration 29990101000000_broken failed \(nothing of it was applied\): .*no_such_table/,
      );
      const db = await openDatabase(t);
      try {
        const names = await db.prisma.$queryRaw<{ migration_name: string }[]>`
          SELECT migration_name FROM "_prisma_migrations"`;
        expect(names.map((n) => n.migration_name).sort()).toEqual(ALL);
        const [{ exists }] = await db.prisma.$queryRaw<{ exists: boolean }[]>`
          SELECT to_regclass('half_done') IS NOT NULL AS exists`;
        expect(exists).toBe(false);
      } finally {
        await db.close();
      }
      // Fixed, it applies.
      const fixedDir = migrationsWith({ '29990101000000_broken': 'CREATE TABLE half_done (a int);\n' });
      expect((await migrateDatabase(t, { migrationsDir: fixedDir })).applied).toEqual([
        '29990101000000_broken',
      ]);
    });

    it('keeps the specs of runs stored as jsonb before run_spec_exact_text, as valid JSON text', async () => {
      const t = await fresh(kind);
      const initOnly = mkdtempSync(join(tmpdir(), 'gradscope-migrations-'));
      cleanups.push(() => rmSync(initOnly, { recursive: true, force: true }));
      cpSync(join(MIGRATIONS_DIR, INIT), join(initOnly, INIT), { recursive: true });
      cpSync(join(MIGRATIONS_DIR, 'migration_lock.toml'), join(initOnly, 'migration_lock.toml'));
      await migrateDatabase(t, { migrationsDir: initOnly });
      const spec = { kind: 'train', network: { inputSize: 2, layers: [] }, data: { x: [0.5, -2, 1e-7] } };
      let db = await openDatabase(t);
      let id: string;
      try {
        [{ id }] = await db.prisma.$queryRaw<{ id: string }[]>`
          INSERT INTO runs (kind, spec, layer_count) VALUES ('train', ${JSON.stringify(spec)}::jsonb, 0)
          RETURNING id::text AS id`;
      } finally {
        await db.close();
      }
      expect((await migrateDatabase(t)).applied).toEqual(ALL.filter((m) => m !== INIT));
      db = await openDatabase(t);
      try {
        expect((await getRun(db.prisma, id))?.spec).toEqual(spec);
      } finally {
        await db.close();
      }
    });

    it('refuses to run past a migration Prisma recorded as failed', async () => {
      const t = await fresh(kind);
      await migrateDatabase(t);
      const db = await openDatabase(t);
      try {
        await db.prisma.$executeRaw`
          INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at)
          VALUES ('x', 'c', '20990101000000_half', now())`;
      } finally {
        await db.close();
      }
      await expect(migrateDatabase(t)).rejects.toThrow(MigrationError);
      await expect(migrateDatabase(t)).rejects.toThrow(
        'prisma migrate resolve --rolled-back 20990101000000_half',
      );
    });

    it('reports applied migrations edited since, and ones it does not know, without failing', async () => {
      const t = await fresh(kind);
      await migrateDatabase(t, { migrationsDir: migrationsWith({ '29990101000000_extra': 'SELECT 1;\n' }) });
      const edited = migrationsWith({});
      writeFileSync(join(edited, INIT, 'migration.sql'), '-- edited\n', { flag: 'a' });
      const r = await migrateDatabase(t, { migrationsDir: edited });
      expect(r).toMatchObject({ applied: [], modified: [INIT], unknown: ['29990101000000_extra'] });
    });
  });
}

describe.skipIf(DB_KINDS[1].skip !== false)('migrateDatabase and the Prisma CLI [postgres]', () => {
  it('serializes concurrent callers: the migration is applied exactly once', async () => {
    const t = await fresh('postgres');
    const results = await Promise.all([migrateDatabase(t), migrateDatabase(t), migrateDatabase(t)]);
    expect(results.flatMap((r) => r.applied)).toEqual(ALL);
    const client = new pg.Client({ connectionString: t.databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT count(*)::int AS n FROM "_prisma_migrations"');
      expect(rows[0].n).toBe(ALL.length);
    } finally {
      await client.end();
    }
  });

  it('leaves a database `prisma migrate status` calls up to date', async () => {
    const t = await fresh('postgres');
    await migrateDatabase(t);
    const { stdout } = await run(PRISMA, ['migrate', 'status'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: t.databaseUrl },
      timeout: 60_000,
    });
    expect(stdout).toContain('Database schema is up to date!');
  });
});

describe('prisma/migrations', () => {
  it('produce exactly prisma/schema.prisma (no schema change without its migration)', async () => {
    // Replays the migrations into an in-memory PGlite shadow database and diffs against the schema;
    // --exit-code: 0 when there is no difference, 2 when there is one.
    const scratch = mkdtempSync(join(tmpdir(), 'gradscope-drift-'));
    cleanups.push(() => rmSync(scratch, { recursive: true, force: true }));
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: join(scratch, 'pglite') };
    delete env.DATABASE_URL;
    const args = ['migrate', 'diff', '--from-migrations', 'prisma/migrations'];
    args.push('--to-schema-datamodel', 'prisma/schema.prisma', '--script', '--exit-code');
    const result = await run(PRISMA, args, { cwd: ROOT, env, timeout: 120_000 }).then(
      (r) => ({ code: 0, out: r.stdout }),
      (e: { code?: number; stdout?: string; stderr?: string }) => ({
        code: e.code,
        out: `${e.stdout}${e.stderr}`,
      }),
    );
    expect(result, 'run scripts/db-new-migration.sh <name> to write the missing migration').toEqual({
      code: 0,
      out: expect.any(String),
    });
  }, 180_000);
});
