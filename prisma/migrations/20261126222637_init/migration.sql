-- CreateTable
CREATE TABLE "runs" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "kind" TEXT NOT NULL,
    "name" TEXT,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "spec" JSONB NOT NULL,
    "idempotency_key" TEXT,
    "request_hash" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "owner" TEXT,
    "lease_expires_at" TIMESTAMPTZ(3),
    "cancel_requested" BOOLEAN NOT NULL DEFAULT false,
    "last_step" INTEGER,
    "total_steps" INTEGER NOT NULL DEFAULT 0,
    "layer_count" INTEGER NOT NULL,
    "summary" JSONB,
    "diagnosis" JSONB,
    "result" JSONB,
    "error" JSONB,

    CONSTRAINT "runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "run_steps" (
    "run_id" UUID NOT NULL,
    "step" INTEGER NOT NULL,
    "loss" DOUBLE PRECISION NOT NULL,
    "grad_norm" DOUBLE PRECISION NOT NULL,
    "train_accuracy" DOUBLE PRECISION,
    "test_accuracy" DOUBLE PRECISION,
    "layers" BYTEA NOT NULL,
    "histograms" BYTEA,

    CONSTRAINT "run_steps_pkey" PRIMARY KEY ("run_id","step")
);

-- CreateTable
CREATE TABLE "run_weights" (
    "run_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "values" BYTEA NOT NULL,

    CONSTRAINT "run_weights_pkey" PRIMARY KEY ("run_id","kind")
);

-- CreateIndex
CREATE UNIQUE INDEX "runs_idempotency_key_key" ON "runs"("idempotency_key");

-- CreateIndex
CREATE INDEX "runs_created_at_id_idx" ON "runs"("created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "runs_status_created_at_id_idx" ON "runs"("status", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "runs_kind_created_at_id_idx" ON "runs"("kind", "created_at" DESC, "id" DESC);

-- AddForeignKey
ALTER TABLE "run_steps" ADD CONSTRAINT "run_steps_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "run_weights" ADD CONSTRAINT "run_weights_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddCheckConstraints (hand-written: Prisma's schema cannot express them, and leaves them alone)
ALTER TABLE "runs" ADD CONSTRAINT "runs_kind_check" CHECK ("kind" IN ('train', 'gradcheck', 'probe'));
ALTER TABLE "runs" ADD CONSTRAINT "runs_status_check"
  CHECK ("status" IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'diverged'));
ALTER TABLE "run_weights" ADD CONSTRAINT "run_weights_kind_check" CHECK ("kind" IN ('initial', 'final'));
