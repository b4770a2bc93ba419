-- The checkpoint a run started from (issue 21, StartRunRequest.init_from): another run's checkpoint
-- at a step, taken as weights only (WEIGHTS, fine-tune) or whole (FULL, a fork). All three columns
-- are set or none is (a run started from scratch).
--
-- The foreign key onto checkpoints(run_id, step) is what keeps that checkpoint while the run exists,
-- whichever replica does what: retention's prune (src/store/checkpoint-retention.ts) and DeleteRun
-- (src/store/run-edits.ts) skip or refuse a checkpoint a run names, and a prune or delete racing
-- with the StartRun that names it is refused by the key (RESTRICT) rather than leaving a run whose
-- starting point is gone. The insert of such a run, in turn, locks the checkpoint (the key's check)
-- until it commits, or fails when the checkpoint was pruned first.
CREATE TYPE "InitMode" AS ENUM ('WEIGHTS', 'FULL');

ALTER TABLE "runs"
    ADD COLUMN "init_from_run_id" UUID,
    ADD COLUMN "init_from_step" INTEGER,
    ADD COLUMN "init_from_mode" "InitMode",
    ADD CONSTRAINT "runs_init_from_complete" CHECK (
        ("init_from_run_id" IS NULL) = ("init_from_step" IS NULL)
        AND ("init_from_run_id" IS NULL) = ("init_from_mode" IS NULL));

ALTER TABLE "runs" ADD CONSTRAINT "runs_init_from_run_id_init_from_step_fkey"
    FOREIGN KEY ("init_from_run_id", "init_from_step") REFERENCES "checkpoints"("run_id", "step")
    ON DELETE RESTRICT ON UPDATE CASCADE;

-- The prune's and DeleteRun's "does a run start from this checkpoint?" (and the key's own check on
-- each checkpoint delete) read this index instead of scanning runs.
CREATE INDEX "runs_init_from_run_id_init_from_step_idx" ON "runs"("init_from_run_id", "init_from_step");
