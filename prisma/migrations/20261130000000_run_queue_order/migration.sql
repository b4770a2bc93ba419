-- Runs are claimed in the order they were queued, by a sequence rather than by created_at.
-- created_at is stored in whole milliseconds (the precision of the Date a client sees), so runs
-- queued within one millisecond, such as a sweep's whole grid, tied on it and were claimed in
-- the random order of their uuids. Existing runs keep their (created_at, id) order.
CREATE SEQUENCE "runs_queue_seq_seq" AS BIGINT;

ALTER TABLE "runs" ADD COLUMN "queue_seq" BIGINT;

UPDATE "runs" SET "queue_seq" = ordered."n"
FROM (SELECT "id", row_number() OVER (ORDER BY "created_at", "id") AS "n" FROM "runs") AS ordered
WHERE "runs"."id" = ordered."id";

SELECT setval('"runs_queue_seq_seq"', coalesce((SELECT max("queue_seq") FROM "runs"), 0) + 1, false);

ALTER TABLE "runs"
  ALTER COLUMN "queue_seq" SET DEFAULT nextval('"runs_queue_seq_seq"'),
  ALTER COLUMN "queue_seq" SET NOT NULL;

ALTER SEQUENCE "runs_queue_seq_seq" OWNED BY "runs"."queue_seq";

-- The queue claim's index: the oldest QUEUED run is the first entry under status = 'QUEUED'.
DROP INDEX "runs_status_created_at_idx";

CREATE INDEX "runs_status_queue_seq_idx" ON "runs"("status", "queue_seq");
