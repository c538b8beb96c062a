-- Downsampled chart histories of finished runs (issue 11 §3): GET /v1/runs/:id/history's binary answer, written
-- once when a run finishes (or at its first request), so a cold open reads one row instead of every step's bytea.
-- CreateTable
CREATE TABLE "run_history_summaries" (
    "run_id" UUID NOT NULL,
    "query" TEXT NOT NULL,
    "body" BYTEA NOT NULL,

    CONSTRAINT "run_history_summaries_pkey" PRIMARY KEY ("run_id","query")
);

-- AddForeignKey
ALTER TABLE "run_history_summaries" ADD CONSTRAINT "run_history_summaries_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
