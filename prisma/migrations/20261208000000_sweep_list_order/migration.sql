-- ListSweeps (issue 21) pages a project's sweeps newest first by the keyset (created_at, id), as
-- ListRuns pages runs on runs_project_created_at_id_idx: each page is one index range scan.
CREATE INDEX "sweeps_project_created_at_id_idx" ON "sweeps"("project", "created_at" DESC, "id" DESC);
