-- AlterTable
ALTER TABLE "runs" ADD COLUMN     "sweep_id" UUID,
ADD COLUMN     "sweep_index" INTEGER;

-- CreateTable
CREATE TABLE "sweeps" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "name" TEXT,
    "kind" TEXT NOT NULL,
    "request" TEXT NOT NULL,
    "points" TEXT NOT NULL,
    "point_count" INTEGER NOT NULL,
    "max_concurrent" INTEGER NOT NULL,
    "target_loss" DOUBLE PRECISION,
    "map" TEXT,
    "cancel_requested" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sweeps_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "sweeps_created_at_id_idx" ON "sweeps"("created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "runs_sweep_id_sweep_index_idx" ON "runs"("sweep_id", "sweep_index");

-- AddForeignKey
ALTER TABLE "runs" ADD CONSTRAINT "runs_sweep_id_fkey" FOREIGN KEY ("sweep_id") REFERENCES "sweeps"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddCheckConstraints (hand-written, as in the init migration)
ALTER TABLE "sweeps" ADD CONSTRAINT "sweeps_kind_check" CHECK ("kind" IN ('grid', 'trainability'));
ALTER TABLE "sweeps" ADD CONSTRAINT "sweeps_max_concurrent_check" CHECK ("max_concurrent" >= 1);

-- The claim query (src/db/run-queue.ts claimRuns) as a function: PL/pgSQL keeps the statement's plan per session,
-- where the same statement sent by the client was planned anew on every claim (9 ms of planning for 1.6 ms of
-- execution here: most of a sweep point's scheduling overhead). Semantics, in claimRuns' comment: expired leases
-- first, then queued runs fewest-running-first (a sweep's next point after every single run and every sweep with
-- fewer points running), oldest first among equals, a sweep never beyond max_concurrent.
CREATE FUNCTION claim_runs(p_owner TEXT, p_limit INTEGER, p_lease_ms INTEGER, p_max_attempts INTEGER, p_exclude TEXT)
RETURNS TABLE (id UUID, spec TEXT, attempts INTEGER, created_at TIMESTAMPTZ)
LANGUAGE plpgsql AS $$
BEGIN
  -- Claims are serialized across instances by a transaction-scoped advisory lock ('gradscope claim'), taken here
  -- so that one statement from the client claims: no interactive transaction holding a pooled connection. Under
  -- READ COMMITTED the query below takes its snapshot after the lock, so it sees every earlier claim committed.
  PERFORM pg_advisory_xact_lock(1668047209);
  RETURN QUERY
  WITH busy AS (
    SELECT b.sweep_id, count(*)::int AS n FROM runs b
    WHERE b.status = 'running' AND b.sweep_id IS NOT NULL
    GROUP BY b.sweep_id
  ), ranked AS (
    SELECT q.id, s.max_concurrent,
           COALESCE(b.n, 0) + row_number() OVER (PARTITION BY q.sweep_id ORDER BY q.sweep_index, q.id) AS slot
    FROM runs q JOIN sweeps s ON s.id = q.sweep_id LEFT JOIN busy b ON b.sweep_id = q.sweep_id
    WHERE q.status = 'queued'
  ), eligible AS MATERIALIZED (
    -- MATERIALIZED: inlined, a generic plan re-ran the window for every candidate row (300 ms at 400 queued runs).
    SELECT x.id, 0::bigint AS slot FROM runs x
    WHERE x.status = 'running' AND x.lease_expires_at < now()
      AND NOT x.cancel_requested AND x.attempts < p_max_attempts
      AND NOT (x.id = ANY (string_to_array(p_exclude, ',')::uuid[]))
    UNION ALL
    SELECT y.id, 1::bigint FROM runs y WHERE y.status = 'queued' AND y.sweep_id IS NULL
    UNION ALL
    SELECT ranked.id, ranked.slot FROM ranked WHERE ranked.slot <= ranked.max_concurrent
  ), picked AS (
    -- The conditions again at the locking level: a row another claim took and committed since this statement
    -- began is re-checked here (its newest version) and passed over, instead of being claimed twice.
    SELECT c.id FROM runs c JOIN eligible e ON e.id = c.id
    WHERE c.status = 'queued'
       OR (c.status = 'running' AND c.lease_expires_at < now() AND NOT c.cancel_requested
           AND c.attempts < p_max_attempts)
    ORDER BY e.slot, c.created_at, c.id
    LIMIT p_limit
    FOR UPDATE OF c SKIP LOCKED
  )
  UPDATE runs AS r
  SET status = 'running', owner = p_owner, attempts = r.attempts + 1, started_at = now(),
      lease_expires_at = now() + p_lease_ms * interval '1 millisecond', updated_at = now()
  FROM picked
  WHERE r.id = picked.id
  RETURNING r.id, r.spec, r.attempts, r.created_at;
END
$$;
