-- Per-metric summaries of each run (issue 21): GetRunMetrics and the Run message read one row per
-- (run, name) instead of aggregating every point. The store keeps a row exact as batches arrive
-- (src/store/metric-summaries.ts): a batch of new points merges into it in the insert's own
-- statement, and a batch that replaces stored points recomputes the row from metric_points in the
-- upsert's transaction.
--
-- NaN and ±Infinity are counted (count, non_finite_count) and are the `last_*` value when they are
-- the latest point, but `last_finite_*`, `min_*` and `max_*` cover finite values only (null when a
-- metric has none). A min or max reached at several steps names the first.
CREATE TABLE "metric_summaries" (
    "run_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "count" BIGINT NOT NULL,
    "non_finite_count" BIGINT NOT NULL,
    "last_step" INTEGER NOT NULL,
    "last_value" DOUBLE PRECISION NOT NULL,
    "last_finite_step" INTEGER,
    "last_finite_value" DOUBLE PRECISION,
    "min_step" INTEGER,
    "min_value" DOUBLE PRECISION,
    "max_step" INTEGER,
    "max_value" DOUBLE PRECISION,

    CONSTRAINT "metric_summaries_pkey" PRIMARY KEY ("run_id", "name")
);

ALTER TABLE "metric_summaries" ADD CONSTRAINT "metric_summaries_run_id_fkey" FOREIGN KEY ("run_id")
    REFERENCES "runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Backfill every existing run's summaries from its stored points: the same aggregation as
-- src/store/metric-summaries.ts `summarize` (test/integration/store/migrate.test.ts compares them).
INSERT INTO "metric_summaries" (
    "run_id", "name", "count", "non_finite_count", "last_step", "last_value", "last_finite_step",
    "last_finite_value", "min_step", "min_value", "max_step", "max_value")
WITH points AS (
    SELECT p."run_id", p."step", p."name", p."value",
        p."value" NOT IN ('NaN', 'Infinity', '-Infinity') AS finite
    FROM "metric_points" p
    -- metric_points has no foreign key: skip points of a run that no longer exists.
    WHERE EXISTS (SELECT 1 FROM "runs" r WHERE r."id" = p."run_id")
), totals AS (
    SELECT "run_id", "name", count(*) AS count, count(*) FILTER (WHERE NOT finite) AS non_finite_count,
        max("step") AS last_step, max("step") FILTER (WHERE finite) AS last_finite_step,
        min("value") FILTER (WHERE finite) AS min_value, max("value") FILTER (WHERE finite) AS max_value
    FROM points GROUP BY "run_id", "name"
)
SELECT g."run_id", g."name", g.count, g.non_finite_count,
    g.last_step, max(p."value") FILTER (WHERE p."step" = g.last_step),
    g.last_finite_step, max(p."value") FILTER (WHERE p."step" = g.last_finite_step),
    min(p."step") FILTER (WHERE p.finite AND p."value" = g.min_value), g.min_value,
    min(p."step") FILTER (WHERE p.finite AND p."value" = g.max_value), g.max_value
FROM totals g JOIN points p ON p."run_id" = g."run_id" AND p."name" = g."name"
GROUP BY g."run_id", g."name", g.count, g.non_finite_count, g.last_step, g.last_finite_step,
    g.min_value, g.max_value;
