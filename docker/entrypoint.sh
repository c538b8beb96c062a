#!/bin/sh
# Gradscope entrypoint: wait for Postgres (when DATABASE_URL is set), then exec the service.
#
# Works in the image (/app/docker/entrypoint.sh) and from a checkout (`sh docker/entrypoint.sh`):
# every path is relative to the repository root, found from this script's own location.
#
# - Waiting: compose's `depends_on: condition: service_healthy` covers `docker compose up`, but not a
#   bare `docker run`, Kubernetes or a database restarting under us. DB_WAIT_SECONDS (default 60)
#   bounds the wait; 0 skips it. psql is not in the image, so node does the connecting.
# - Migrations are NOT applied here: src/main.ts applies them (migrateDatabase) before it listens.
# - `exec` replaces this shell with node, so node gets SIGTERM itself and drains gracefully
#   (SHUTDOWN_GRACE_MS). Under compose, `init: true` puts docker's tini in front to reap zombies.
# - Arguments, if any, run instead of the service after the wait, e.g.
#   `docker compose run --rm gradscope node -e "…"` (the image has no Prisma CLI: migrations run in process).
set -eu

cd "$(dirname "$0")/.."

if [ -n "${DATABASE_URL:-}" ] && [ "${DB_WAIT_SECONDS:-60}" != "0" ]; then
  node docker/wait-for-database.mjs
fi

if [ "$#" -gt 0 ]; then
  exec "$@"
fi
exec node --import tsx src/main.ts
