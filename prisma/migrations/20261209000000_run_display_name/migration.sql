-- A run's display name (issue 21): set by StartRun or UpdateRun, shown with the run. Not unique and
-- not an id; '' means none, which every run stored before this column has.
ALTER TABLE "runs" ADD COLUMN "display_name" TEXT NOT NULL DEFAULT '';
