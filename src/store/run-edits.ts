import type pg from 'pg';
import { failedPrecondition, notFound } from '../core/index.js';
import { toAppError, translateErrors } from './errors.js';
import { isInitFromKeyViolation } from './init-from-key.js';
import { RUN_COLUMN_LIST, type RunRow, toRunRecord } from './run-record.js';
import { listenWhileCheckedOut } from './sql-runner.js';
import type { RunChanges, RunDeletion, RunRecord, RunRepository } from './types.js';
import { isUuid } from './uuid.js';

const LOCK_RUN = `SELECT ${RUN_COLUMN_LIST} FROM runs WHERE id = $1::uuid AND project = $2 FOR UPDATE`;

// A NULL parameter keeps the column's value.
const UPDATE_RUN = `
  UPDATE runs SET display_name = coalesce($2, display_name), labels = coalesce($3::jsonb, labels),
                  updated_at = now()
  WHERE id = $1::uuid
  RETURNING ${RUN_COLUMN_LIST}`;

// Counted as they go, in the same transaction: what the answer reports is exactly what was removed.
const DELETE_CHECKPOINTS = `
  WITH gone AS (DELETE FROM checkpoints WHERE run_id = $1::uuid RETURNING size_bytes)
  SELECT count(*)::int8::text AS n, coalesce(sum(size_bytes), 0)::int8::text AS bytes FROM gone`;
// Deleted here rather than by the runs trigger (migration 20261129000000) so they can be counted;
// the trigger then finds none.
const DELETE_POINTS = `
  WITH gone AS (DELETE FROM metric_points WHERE run_id = $1::uuid RETURNING 1)
  SELECT count(*)::int8::text AS n FROM gone`;
const DELETE_RUN = 'DELETE FROM runs WHERE id = $1::uuid';
// The oldest run whose init_from names one of the run's checkpoints (the index on init_from).
const DEPENDENT = `
  SELECT id, init_from_step AS step FROM runs WHERE init_from_run_id = $1::uuid
  ORDER BY created_at, id LIMIT 1`;

type RunEdits = Pick<RunRepository, 'update' | 'delete'>;

/**
 * UpdateRun's and DeleteRun's writes. Each is one transaction on one pooled connection that locks
 * the run's row (`FOR UPDATE`) before the caller's rule sees it, so the rule judges the row as it is
 * committed: two concurrent label edits apply one after the other, and a metric batch (which locks
 * its runs `FOR KEY SHARE`, src/store/metrics.ts) either commits before a delete or finds the run gone.
 */
export function createRunEdits(pool: pg.Pool): RunEdits {
  return {
    update: (project, id, edit) =>
      locked(pool, project, id, async (client, run) => {
        const changes: RunChanges = edit(run);
        const labels = changes.labels === undefined ? null : JSON.stringify(changes.labels);
        const updated = await client.query<RunRow>(UPDATE_RUN, [id, changes.displayName ?? null, labels]);
        const row = updated.rows[0];
        if (row === undefined) throw notFound('run', id);
        return toRunRecord(row);
      }),

    delete: (project, id, check) =>
      locked(pool, project, id, async (client, run): Promise<RunDeletion> => {
        check(run);
        await refuseDependents(client, id);
        const checkpoints = await client
          .query<{ n: string; bytes: string }>(DELETE_CHECKPOINTS, [id])
          .catch(async (error: unknown) => {
            // A run naming one of these checkpoints committed after the check above: its key's
            // check held the checkpoint until then, and now refuses the delete.
            if (isInitFromKeyViolation(error)) await refuseDependents(pool, id);
            throw error;
          });
        const points = await client.query<{ n: string }>(DELETE_POINTS, [id]);
        await client.query(DELETE_RUN, [id]);
        return {
          run,
          metricPoints: Number(points.rows[0]?.n ?? 0),
          checkpoints: Number(checkpoints.rows[0]?.n ?? 0),
          checkpointBytes: Number(checkpoints.rows[0]?.bytes ?? 0),
        };
      }),
  };
}

/**
 * FAILED_PRECONDITION naming the run that started from a checkpoint of run `id`, if there is one:
 * its init_from's foreign key keeps that checkpoint, and so the run, until it is deleted itself.
 */
async function refuseDependents(db: pg.Pool | pg.PoolClient, id: string): Promise<void> {
  const found = await db.query<{ id: string; step: number }>(DEPENDENT, [id]);
  const dependent = found.rows[0];
  if (dependent === undefined) return;
  throw failedPrecondition(
    `run ${id} cannot be deleted: run ${dependent.id} started from its checkpoint at step ${dependent.step} ` +
      `(its init_from); delete run ${dependent.id} first`,
  );
}

/**
 * Runs `work` in a transaction holding the lock on the project's run `id`. NOT_FOUND when there is
 * no such run (or the id is not a uuid). Whatever `work` throws rolls everything back and reaches
 * the caller translated (an AppError as it is).
 */
async function locked<T>(
  pool: pg.Pool,
  project: string,
  id: string,
  work: (client: pg.PoolClient, run: RunRecord) => Promise<T>,
): Promise<T> {
  if (!isUuid(id)) throw notFound('run', id);
  const client = await translateErrors('run', id, () => pool.connect());
  const release = listenWhileCheckedOut(client);
  let broken = false;
  try {
    await client.query('BEGIN');
    const found = await client.query<RunRow>(LOCK_RUN, [id, project]);
    const row = found.rows[0];
    if (row === undefined) throw notFound('run', id);
    const result = await work(client, toRunRecord(row));
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // A connection that cannot even roll back is dropped rather than returned to the pool.
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw toAppError(error, 'run', id);
  } finally {
    release(broken);
  }
}
