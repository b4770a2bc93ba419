-- ASHA early stopping of sweep runs (issue 23). A run stopped at a rung ends in the new terminal
-- status STOPPED_EARLY. PostgreSQL 12+ allows ADD VALUE inside the migration's transaction; the
-- value is used only after it commits.
ALTER TYPE "RunStatus" ADD VALUE 'STOPPED_EARLY';

-- One row per run and rung it was judged at: the value it reported there (NULL when it was not
-- finite, the worst) and whether it was stopped. Decisions are made in a transaction that locks the sweep's row, and the primary key
-- makes a repeated report (another replica, a resumed attempt) find the first decision instead of
-- making a second one (src/store/sweep-rungs.ts).
CREATE TABLE "sweep_rung_entries" (
    "sweep_id" UUID NOT NULL,
    "run_id" UUID NOT NULL,
    "arm" TEXT NOT NULL,
    "rung" INTEGER NOT NULL,
    "step" INTEGER NOT NULL,
    "value" DOUBLE PRECISION,
    "stop" BOOLEAN NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sweep_rung_entries_pkey" PRIMARY KEY ("sweep_id", "run_id", "rung")
);

CREATE INDEX "sweep_rung_entries_run_id_idx" ON "sweep_rung_entries"("run_id");

ALTER TABLE "sweep_rung_entries" ADD CONSTRAINT "sweep_rung_entries_sweep_id_fkey" FOREIGN KEY ("sweep_id")
    REFERENCES "sweeps"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "sweep_rung_entries" ADD CONSTRAINT "sweep_rung_entries_run_id_fkey" FOREIGN KEY ("run_id")
    REFERENCES "runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
