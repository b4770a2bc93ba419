-- Metric points lose their foreign key to runs. PostgreSQL checked it once per inserted point,
-- locking the run's row each time, and that cost more CPU than the insert itself (about 5 of
-- 9.6 µs per point; docs/benchmarks.md, History of changes). The store now locks and checks a
-- batch's runs once per statement (src/store/metrics.ts), and this trigger keeps ON DELETE CASCADE.
ALTER TABLE "metric_points" DROP CONSTRAINT "metric_points_run_id_fkey";

CREATE FUNCTION "gradnoise_delete_run_metric_points"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "metric_points" WHERE "run_id" = OLD."id";
  RETURN OLD;
END
$$;

CREATE TRIGGER "runs_delete_metric_points" AFTER DELETE ON "runs"
  FOR EACH ROW EXECUTE FUNCTION "gradnoise_delete_run_metric_points"();
