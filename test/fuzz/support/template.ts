// A migrated PGlite folder to copy into each fuzz service: an initdb plus the migrations cost ~9 s, a copy ~1 s.
// Cached in node_modules/.cache/gradscope-fuzz, keyed by the migrations, the migrator and the PGlite version, so that
// a change to any of them builds a new one.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { migrateDatabase } from '../../../src/db/client.ts';

const ROOT = join(import.meta.dirname, '../../..');

async function migratedTemplate(): Promise<string> {
  const hash = createHash('sha256');
  const migrations = join(ROOT, 'prisma/migrations');
  for (const dir of readdirSync(migrations).sort()) {
    const sql = join(migrations, dir, 'migration.sql');
    if (existsSync(sql)) hash.update(dir).update(readFileSync(sql));
  }
  hash.update(readFileSync(join(ROOT, 'src/db/migrate.ts')));
  hash.update(readFileSync(join(ROOT, 'node_modules/@electric-sql/pglite/package.json')));
  const cache = join(ROOT, 'node_modules/.cache/gradscope-fuzz');
  const template = join(cache, `pglite-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(template)) return template;
  mkdirSync(cache, { recursive: true });
  const building = `${template}.building-${process.pid}`;
  await migrateDatabase({ dataDir: building });
  try {
    renameSync(building, template);
  } catch {
    rmSync(building, { recursive: true, force: true }); // another process built it first
  }
  return template;
}

/** Fills `dataDir` (which must not exist yet) with a migrated database. */
export async function copyMigratedTemplate(dataDir: string): Promise<void> {
  cpSync(await migratedTemplate(), dataDir, { recursive: true });
}
