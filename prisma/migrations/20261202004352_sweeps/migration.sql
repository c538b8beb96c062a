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
