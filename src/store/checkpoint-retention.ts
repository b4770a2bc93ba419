import type { CheckpointRetention } from '../core/index.js';
import { isInitFromKeyViolation } from './init-from-key.js';
import type { SqlRunner } from './sql-runner.js';

/**
 * Deletes the run's checkpoints that `retention` does not keep. Kept: the `keepLast` latest (at
 * least the latest, which a resumed attempt starts from), the `keepBest.count` best by the value
 * the metric has at the checkpoint's own step (finite values only; equal values: the later step
 * first), and every checkpoint a run's init_from names.
 *
 * Everything is read in the statement's snapshot, which includes the caller's own uncommitted
 * checkpoint: so "the latest" is never older than the checkpoint just written.
 */
const PRUNE = `
  WITH latest AS (
    SELECT step FROM checkpoints WHERE run_id = $1::uuid ORDER BY step DESC LIMIT greatest($2::int4, 1)
  ), best AS (
    SELECT c.step FROM checkpoints c
    JOIN metric_points p ON p.run_id = c.run_id AND p.step = c.step AND p.name = $3::text
    WHERE c.run_id = $1::uuid AND p.value NOT IN ('NaN', 'Infinity', '-Infinity')
    ORDER BY CASE WHEN $4::text = 'max' THEN -p.value ELSE p.value END, c.step DESC
    LIMIT $5::int4
  )
  DELETE FROM checkpoints d
  WHERE d.run_id = $1::uuid
    AND d.step NOT IN (SELECT step FROM latest)
    AND d.step NOT IN (SELECT step FROM best)
    AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.init_from_run_id = d.run_id AND r.init_from_step = d.step)
  RETURNING d.step`;

/**
 * Writes a checkpoint (`upsert`, a statement and its values) and prunes the run's checkpoints by
 * `retention` in one transaction, and returns the steps pruned, ascending.
 *
 * Why one transaction: a replica killed at any point (kill -9, a lost connection) either committed
 * both or neither, so the checkpoint a resumed attempt needs is never deleted before its successor
 * is durable, and a pruned checkpoint never reappears.
 *
 * Why a savepoint: a StartRun naming one of these checkpoints may commit while the prune runs.
 * Its key check locks the checkpoint, so the prune's delete waits for it and is then refused by
 * the foreign key (the run's row was not in the prune's snapshot). The prune alone is rolled back
 * then, the checkpoint written stays, and the next checkpoint's prune sees that run and skips
 * its checkpoint.
 */
export async function saveAndPrune(
  sql: SqlRunner,
  upsert: { readonly text: string; readonly values: readonly unknown[] },
  runId: string,
  retention: CheckpointRetention,
): Promise<number[]> {
  return sql.transaction(async (tx) => {
    await tx.query(upsert.text, upsert.values, 'checkpoints.save');
    await tx.query('SAVEPOINT prune', []);
    const best = retention.keepBest;
    try {
      const rows = await tx.query(
        PRUNE,
        [runId, retention.keepLast, best?.metric ?? null, best?.direction ?? 'min', best?.count ?? 0],
        'checkpoints.prune',
      );
      return rows.map((row) => Number(row[0])).sort((a, b) => a - b);
    } catch (error) {
      if (!isInitFromKeyViolation(error)) throw error;
      await tx.query('ROLLBACK TO SAVEPOINT prune', []);
      return [];
    }
  });
}
