# syntax=docker/dockerfile:1
# Gradscope image: `docker build -t gradscope .`, then
#   docker run -p 3000:3000 -v gradscope-data:/data gradscope                 (embedded PGlite in /data)
#   docker run -p 3000:3000 -e DATABASE_URL=postgresql://… gradscope          (Postgres)
# The service runs its TypeScript through tsx (13 MB with esbuild; the same start as `npm start`, no
# second build to keep in step) and applies its migrations in process (src/db/migrate.ts): the Prisma
# CLI and its engines are dev dependencies, used only in the build stage to generate the client.

# A current Node.js LTS line; pinned by major, patch releases arrive with a rebuild.
ARG NODE_VERSION=24

# ---- deps: the production dependencies the runtime stage ships ------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies at the lockfile's versions. Not `npm ci --omit=dev`: it keeps the Prisma CLI,
# effect and TypeScript (≈ 90 MB), dev dependencies that are also optional peers of @prisma/client
# (npm flags them devOptional and omits those only with optional ones, esbuild's binary among them).
# Without devDependencies in package.json, `npm install` resolves from the lockfile and never needs them.
# --ignore-scripts: nothing we use needs an install script (the Prisma client runs on its bundled
# WASM query compiler, PGlite and the pg adapter are JavaScript/WASM, esbuild's binary is an optional
# dependency). Then drop what is never loaded at run time: source maps, type declarations, and the
# Prisma runtimes for other databases and engines (the generated client loads runtime/client and the
# PostgreSQL query compiler only) and its generator (used by `prisma generate`, in the build stage).
RUN --mount=type=cache,target=/root/.npm npm pkg delete devDependencies \
 && npm install --omit=dev --ignore-scripts --no-audit --no-fund \
 && find node_modules -type f \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' \) -delete \
 && find node_modules/@prisma/client/runtime -type f \
      ! -name 'client.*' ! -name 'index-browser.*' ! -name 'query_compiler_bg.postgresql.*' -delete \
 && rm -rf node_modules/@prisma/client/generator-build

# ---- build: every dependency; the generated Prisma client and the dashboard bundle ---------------
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
COPY . .
# `generate` writes the Prisma client into src/db/generated (offline: WASM engine, driver adapters);
# `build:web` writes web/dist. The chmod keeps the entrypoint runnable from any checkout's file modes.
RUN npm run generate \
 && npm run build:web \
 && chmod 0755 docker/entrypoint.sh

# ---- runtime: production node_modules, sources, migrations, bundle; runs as `node` ---------------
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    DATA_DIR=/data/pglite \
    CHECKPOINT_DISABLE=1
WORKDIR /app
# The embedded database (used when DATABASE_URL is unset) lives in /data, the only writable path.
# Everything under /app stays owned by root: the service cannot modify its own code.
RUN mkdir -p /data && chown node:node /data
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/package.json /app/tsconfig.json ./
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/src ./src
COPY --from=build /app/web/dist ./web/dist
COPY --from=build /app/docker ./docker
USER node
VOLUME /data
EXPOSE 3000
# Liveness only (the process answers); compose gates dependants on /readyz instead.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "docker/healthcheck.mjs", "/healthz"]
# The entrypoint execs node, which handles SIGTERM: it stops accepting, lets running jobs finish or
# re-queues them, closes the database and exits 0, all within SHUTDOWN_GRACE_MS. Give `docker stop -t`
# more than that.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/docker/entrypoint.sh"]
