#!/usr/bin/env bash
# Applies prisma/migrations to the service's database, as the service does at start: Postgres at
# DATABASE_URL, else the embedded PGlite in DATA_DIR (default ./data/pglite; not while the service
# has it open). Use this rather than `prisma migrate deploy`, which here waits ≥ 10 s on a timer its
# WASM engine leaves behind, and on an up-to-date PGlite folder never exits.
set -euo pipefail
cd "$(dirname "$0")/.."
exec node --import tsx --input-type=module -e '
const { migrateDatabase } = await import("./src/db/migrate.ts");
const r = await migrateDatabase({
  databaseUrl: process.env.DATABASE_URL || undefined,
  dataDir: process.env.DATA_DIR || "./data/pglite",
});
const where = process.env.DATABASE_URL ? "Postgres" : `PGlite in ${process.env.DATA_DIR || "./data/pglite"}`;
console.log(`${where}: applied ${r.applied.length ? r.applied.join(", ") : "nothing (up to date)"} in ${Math.round(r.durationMs)} ms`);
for (const m of r.modified) console.warn(`warning: ${m} was applied, then its migration.sql changed`);
for (const m of r.unknown) console.warn(`warning: ${m} is applied but not in prisma/migrations`);
'
