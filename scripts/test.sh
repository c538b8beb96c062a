#!/usr/bin/env bash
# The README's test command (and `npm test`): on a fresh clone, Node.js 24 (fetched once when PATH's is older)
# and `npm ci` when stale, everything the suite needs, then lint, type check and every test (core, service,
# browser) on that Node. Set TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test) to run the
# Postgres suites too; without it they are reported as skipped. Arguments go to vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/setup.sh
ensure_node
ensure_dependencies

# System packages the browser, deployment, CLI and example tests use (Debian; installed only when missing and root).
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
command -v tmux >/dev/null 2>&1 || need+=(tmux)                                   # the CLI's --follow test
python3 -c 'import websockets' >/dev/null 2>&1 || need+=(python3-websockets)      # examples/follow_run.py
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ${need[*]} (Debian packages)"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "missing ${need[*]}: install them (Debian: apt-get install ${need[*]}) — their tests will fail" >&2
  fi
fi

ensure_prisma_client
ensure_web_bundle
echo "gradscope: testing on Node.js $(node --version)"

npm run --silent lint
npx tsc --noEmit -p tsconfig.json
npm run --silent depcruise

# The OpenAPI document against real linters: Redocly (recommended rules) and Spectral (OAS + OWASP, .spectral.yaml).
mkdir -p test-artifacts
node --import tsx scripts/openapi-doc.ts test-artifacts/openapi.json
npx redocly lint test-artifacts/openapi.json --format=stylish
npx spectral lint test-artifacts/openapi.json --ruleset .spectral.yaml --fail-severity=error --display-only-failures

mkdir -p test-artifacts
export NODE_OPTIONS="--import tsx"
status=0
# The output is kept in test-artifacts/vitest.log too: a test process that dies of a signal (a V8 or native crash)
# prints why on its stderr somewhere in the middle of the run; it is repeated below, where the end of a log shows it.
npx vitest run --reporter=default --reporter=json --outputFile.json=test-artifacts/vitest.json "$@" 2>&1 |
  tee test-artifacts/vitest.log || status=$?
if grep -a -n -E -A12 '# Fatal error|Check failed|FATAL ERROR|Fatal JavaScript|Native stack trace|Segmentation fault' \
  test-artifacts/vitest.log >test-artifacts/fatal.log; then
  echo "a test process died; what it printed (test-artifacts/fatal.log):"
  head -c 8000 test-artifacts/fatal.log
fi
node -e '
  const r = require("./test-artifacts/vitest.json");
  const skipped = r.numPendingTests + r.numTodoTests;
  const notRun = r.numTotalTests - r.numPassedTests - r.numFailedTests - skipped;
  console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped (with those of ${r.numFailedTestSuites} failed files or hooks), ${notRun} not run (a test process that died)`);
' || true
exit $status
