import { translateErrors } from './errors.js';
import type { SqlRunner } from './sql-runner.js';
import type { MetricSummary, StepValue } from './types.js';

/**
 * The stored per-metric summaries (table metric_summaries, migration 20261209000000): one row per
 * (run, name), kept exact as points are written, so a read never aggregates a run's points.
 *
 * What a row holds (the contract of `MetricSummary`): `count` of stored points, NaN and ±∞
 * included, and `non_finite_count` of those; `last_*`, the point at the highest step whatever its
 * value (a diverged run shows its NaN); `last_finite_*`, `min_*` and `max_*` over finite values
 * only, null when there is none. A min or max reached at several steps names the first of them.
 *
 * How it stays exact (`metrics.ts`):
 * - A batch of new points (the common case: the plain INSERT succeeded, so none of its keys was
 *   stored and none repeats) merges its own aggregate into the row in the same statement ({@link
 *   mergeSummaries}): counts add, the later last wins, the smaller min and larger max win.
 * - A batch that replaces stored points (a retried flush, a resumed run re-posting steps) may have
 *   changed the very value that was the min, max or last, which no merge can undo. Its transaction
 *   locks the batch's runs `FOR UPDATE`, upserts the points, then recomputes the rows of the
 *   batch's runs and names from metric_points ({@link RECOMPUTE_SUMMARIES}). The lock conflicts
 *   with the `FOR KEY SHARE` every insert takes on its runs, so no concurrent merge can land
 *   between the recompute's snapshot and its write and be overwritten.
 */

const COLUMNS = `run_id, name, count, non_finite_count, last_step, last_value, last_finite_step,
    last_finite_value, min_step, min_value, max_step, max_value`;

/**
 * One summary row per (run_id, name) of `source`, a query with columns run_id, step, name, value
 * that holds at most one row per (run_id, step, name). Plain aggregates and one join back to the
 * points (for the steps of the min and max and the values at the last steps) instead of sorting
 * each group. The migration's backfill is the same query over all of metric_points. Rows come in
 * (run_id, name) order, so two statements that upsert the same summaries lock them in the same
 * order and cannot deadlock.
 */
export function summarize(source: string): string {
  return `
    WITH points AS (
      SELECT run_id, step, name, value, value NOT IN ('NaN', 'Infinity', '-Infinity') AS finite
      FROM (${source}) AS src
    ), totals AS (
      SELECT run_id, name, count(*) AS count, count(*) FILTER (WHERE NOT finite) AS non_finite_count,
        max(step) AS last_step, max(step) FILTER (WHERE finite) AS last_finite_step,
        min(value) FILTER (WHERE finite) AS min_value, max(value) FILTER (WHERE finite) AS max_value
      FROM points GROUP BY run_id, name
    )
    SELECT g.run_id, g.name, g.count, g.non_finite_count,
      g.last_step, max(p.value) FILTER (WHERE p.step = g.last_step),
      g.last_finite_step, max(p.value) FILTER (WHERE p.step = g.last_finite_step),
      min(p.step) FILTER (WHERE p.finite AND p.value = g.min_value), g.min_value,
      min(p.step) FILTER (WHERE p.finite AND p.value = g.max_value), g.max_value
    FROM totals g JOIN points p ON p.run_id = g.run_id AND p.name = g.name
    GROUP BY g.run_id, g.name, g.count, g.non_finite_count, g.last_step, g.last_finite_step,
      g.min_value, g.max_value
    ORDER BY g.run_id, g.name`;
}

/** Whether the batch's (EXCLUDED) finite `kind` extreme replaces the stored one (`t`). */
const better = (kind: 'min' | 'max') => {
  const [e, t, op] = [`EXCLUDED.${kind}`, `t.${kind}`, kind === 'min' ? '<' : '>'];
  return `${t}_value IS NULL OR (${e}_value IS NOT NULL AND (${e}_value ${op} ${t}_value
      OR (${e}_value = ${t}_value AND ${e}_step < ${t}_step)))`;
};
const LATER = 'EXCLUDED.last_step > t.last_step';
const LATER_FINITE = 't.last_finite_step IS NULL OR EXCLUDED.last_finite_step > t.last_finite_step';
const pick = (condition: string, column: string) =>
  `${column} = CASE WHEN ${condition} THEN EXCLUDED.${column} ELSE t.${column} END`;

/**
 * Merges the summaries of `source`, points none of which is stored yet, into the stored rows
 * (an `INSERT … ON CONFLICT` usable as a data-modifying CTE). Exact only for new points: see the
 * module comment.
 */
export function mergeSummaries(source: string): string {
  return `
    INSERT INTO metric_summaries AS t (${COLUMNS}) ${summarize(source)}
    ON CONFLICT (run_id, name) DO UPDATE SET
      count = t.count + EXCLUDED.count,
      non_finite_count = t.non_finite_count + EXCLUDED.non_finite_count,
      ${pick(LATER, 'last_step')}, ${pick(LATER, 'last_value')},
      ${pick(LATER_FINITE, 'last_finite_step')}, ${pick(LATER_FINITE, 'last_finite_value')},
      ${pick(better('min'), 'min_step')}, ${pick(better('min'), 'min_value')},
      ${pick(better('max'), 'max_step')}, ${pick(better('max'), 'max_value')}`;
}

/**
 * Rewrites the summaries of the runs `$1` (uuid[]) and names `$2` (text[]) from their stored
 * points. Run it after the points' upsert, in the same transaction, under the runs' `FOR UPDATE`.
 */
export const RECOMPUTE_SUMMARIES = `
  INSERT INTO metric_summaries (${COLUMNS}) ${summarize(
    'SELECT run_id, step, name, value FROM metric_points WHERE run_id = ANY($1::uuid[]) AND name = ANY($2::text[])',
  )}
  ON CONFLICT (run_id, name) DO UPDATE SET ${COLUMNS.split(',')
    .slice(2)
    .map((c) => `${c.trim()} = EXCLUDED.${c.trim()}`)
    .join(', ')}`;

/** Locks the runs `$1` (uuid[]) in id order, so two batches of the same runs cannot deadlock. */
export const LOCK_RUNS_FOR_RECOMPUTE =
  'SELECT id FROM runs WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE';

const READ = `
  SELECT ${COLUMNS.replace('run_id', 'run_id::text')} FROM metric_summaries
  WHERE run_id = ANY($1::uuid[]) AND ($2::text[] IS NULL OR name = ANY($2::text[]))
  ORDER BY run_id, name`;

/**
 * The stored summaries of `runIds` (well-formed uuids), only of `names` when given (non-empty),
 * ordered by run id, then name.
 */
export async function readSummaries(
  sql: SqlRunner,
  runIds: readonly string[],
  names?: readonly string[],
): Promise<MetricSummary[]> {
  if (runIds.length === 0) return [];
  const rows = await translateErrors('run', runIds[0] ?? '', () =>
    sql.query(
      READ,
      [`{${runIds.join(',')}}`, names === undefined ? null : [...names]],
      'gn_metric_summaries',
    ),
  );
  return rows.map((row) => {
    const [runId, name, count, nonFinite, lastStep, lastValue, ...pairs] = row;
    return {
      runId: String(runId),
      name: String(name),
      count: Number(count),
      nonFiniteCount: Number(nonFinite),
      last: { step: Number(lastStep), value: Number(lastValue) },
      lastFinite: stepValue(pairs[0], pairs[1]),
      min: stepValue(pairs[2], pairs[3]),
      max: stepValue(pairs[4], pairs[5]),
    };
  });
}

// pg parses float8 with parseFloat, which reads 'NaN' and '±Infinity' too.
const stepValue = (step: unknown, value: unknown): StepValue | null =>
  step === null || step === undefined ? null : { step: Number(step), value: Number(value) };
