-- Why a COMPLETED run ended (issue 16): its step budget, or its trainer reported the task solved,
-- which ends it early. Every run completed before this could only end on its budget.
CREATE TYPE "RunEndReason" AS ENUM ('BUDGET', 'SOLVED');

ALTER TABLE "runs" ADD COLUMN "end_reason" "RunEndReason";

UPDATE "runs" SET "end_reason" = 'BUDGET' WHERE "status" = 'COMPLETED';
