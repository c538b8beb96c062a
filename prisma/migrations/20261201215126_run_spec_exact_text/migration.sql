-- Run specs as exact JSON text instead of jsonb (issue 10 §2): jsonb keeps digits but turns −0 into 0, and
-- Prisma's Json path rounded numbers to 15–16 significant digits. Existing rows keep jsonb's text of them.
ALTER TABLE "runs" ALTER COLUMN "spec" SET DATA TYPE TEXT USING "spec"::text;
