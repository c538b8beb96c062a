#!/usr/bin/env bash
# Writes prisma/migrations/<UTC timestamp>_<name>/migration.sql: the SQL that takes a database from
# the existing migrations to prisma/schema.prisma. Offline: the Prisma CLI replays the migrations
# into an in-memory PGlite (its shadow database) through prisma.config.ts; no server, no download.
#
#   scripts/db-new-migration.sh add_run_tags
#
# (`prisma migrate dev` does not work here: with a driver adapter, 6.19's WASM engine fails its
# data-loss check with "shadow DB must be provided through an external factory".)
set -euo pipefail
cd "$(dirname "$0")/.."

name="${1:-}"
if [[ ! "$name" =~ ^[a-z0-9_]+$ ]]; then
  echo "usage: scripts/db-new-migration.sh <name>   (snake_case, e.g. add_run_tags)" >&2
  exit 2
fi

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# A scratch DATA_DIR: the config opens PGlite there, never the service's database.
status=0
env -u DATABASE_URL DATA_DIR="$scratch/pglite" npx prisma migrate diff \
  --from-migrations prisma/migrations --to-schema-datamodel prisma/schema.prisma \
  --script --exit-code --output "$scratch/migration.sql" >/dev/null || status=$?
case "$status" in
  0) echo "prisma/schema.prisma already matches prisma/migrations: nothing to write"; exit 0 ;;
  2) ;;
  *) echo "prisma migrate diff failed (exit $status)" >&2; exit "$status" ;;
esac

dir="prisma/migrations/$(date -u +%Y%m%d%H%M%S)_$name"
mkdir -p "$dir"
mv "$scratch/migration.sql" "$dir/migration.sql"
echo "wrote $dir/migration.sql: review it, then run: npx vitest run test/db"
