#!/usr/bin/env bash
# The README's run command: on a fresh clone, Node.js 24 (fetched once when PATH's is older), `npm ci`, the
# Prisma client and the dashboard bundle — each only when missing or stale — then the service (embedded
# database in ./data/pglite unless DATABASE_URL is set). Arguments go to node after the entry point.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/setup.sh
ensure_node
ensure_dependencies
ensure_prisma_client
ensure_web_bundle
exec node --import tsx src/main.ts "$@"
