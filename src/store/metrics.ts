import type { MetricPoint } from '../core/index.js';
import { AppError, notFound } from '../core/index.js';
import { toAppError, translateErrors } from './errors.js';
import { dedupe, type EncodedBatch, encodeBatch } from './metric-batch.js';
import { readPage, replay } from './metric-reads.js';
import {
  LOCK_RUNS_FOR_RECOMPUTE,
  mergeSummaries,
  RECOMPUTE_SUMMARIES,
  readSummaries,
} from './metric-summaries.js';
import type { SqlRunner } from './sql-runner.js';
import type { MetricRepository } from './types.js';

/** Points per INSERT statement; larger batches are split. */
export const UPSERT_CHUNK = 10_000;

// The whole batch travels as binary arrays in one statement (see `EncodedBatch`): per point a
// run index into the batch's distinct runs ($6), step, name, value and time.
//
// metric_points has no foreign key to runs (a per-point check cost more than the insert; see
// migration 20261129000000). Instead each statement locks the batch's distinct runs ($6) once,
// FOR KEY SHARE as a foreign key would, so none can be deleted before it commits, and inserts only
// if all of them exist. It answers how many it found: fewer than given means an unknown run.
// The lock is taken in id order: the upsert's FOR UPDATE (below) takes the same rows in that order.
const LOCKED_BATCH = `
  WITH locked AS (SELECT id FROM runs WHERE id = ANY($6::uuid[]) ORDER BY id FOR KEY SHARE),
  batch AS (
    SELECT ($6::uuid[])[r] AS run_id, s AS step, n AS name, v AS value, t AS time
    FROM unnest($1::int4[], $2::int4[], $3::text[], $4::float8[], $5::timestamptz[]) AS u(r, s, n, v, t)
    WHERE (SELECT count(*) FROM locked) = cardinality($6::uuid[]))`;
const COUNT_LOCKED = 'SELECT (SELECT count(*) FROM locked)::int4';
/** New points, and their summaries merged in the same statement (metric-summaries.ts). */
const INSERT = `${LOCKED_BATCH},
  inserted AS (INSERT INTO metric_points (run_id, step, name, value, time) SELECT * FROM batch),
  summarized AS (${mergeSummaries('SELECT run_id, step, name, value FROM batch')})
  ${COUNT_LOCKED}`;
/** Points that may replace stored ones; their summaries are recomputed after it. */
const UPSERT = `${LOCKED_BATCH},
  upserted AS (
    INSERT INTO metric_points (run_id, step, name, value, time) SELECT * FROM batch
    ON CONFLICT (run_id, step, name) DO UPDATE SET value = EXCLUDED.value, time = EXCLUDED.time)
  ${COUNT_LOCKED}`;

/**
 * Metric points, the hot path: a training run reports every scalar at every step, and a
 * `WatchRun` reconnect replays them all. Both are plain SQL on a {@link SqlRunner}, which
 * `createStore` backs with the raw `pg` pool. Replay also runs on Prisma's raw path (its replay
 * throughput is compared in `bench/store.ts`); writes need `pg`, whose `Buffer` parameters travel
 * in the binary format (`metric-batch.ts`).
 *
 * `upsertMany` validates and encodes every chunk before it writes the first, so a bad point
 * anywhere refuses the whole call. It then tries a plain INSERT per chunk: new points are by far
 * the common case, and it costs less server time than `ON CONFLICT DO UPDATE` (docs/benchmarks.md,
 * "Figures behind the code"); the same statement merges the chunk into the stored summaries.
 * The statement is atomic, so when any point exists already (a retried flush, a resumed run
 * recomputing steps) or the chunk repeats a (run, name, step) it fails whole with a unique
 * violation and the chunk is written again, deduplicated (the last value wins), as a true upsert,
 * in a transaction that then recomputes the summaries of the chunk's runs and names from their
 * stored points (`metric-summaries.ts` says why a merge cannot do there).
 * Points are not deduplicated before the first try: repeats are rare, and finding them would
 * cost a key per point on every write.
 */
export function createMetricRepository(sql: SqlRunner): MetricRepository {
  const upsert = (chunk: readonly MetricPoint[], offset: number, runIds: readonly string[]) => {
    const batch = encodeBatch(dedupe(chunk), offset);
    const names = [...new Set(chunk.map((p) => p.name))];
    return sql.transaction(async (tx) => {
      await tx.query(LOCK_RUNS_FOR_RECOMPUTE, [uuidArray(runIds)], 'gn_metric_lock_runs');
      const rows = await tx.query(UPSERT, asParams(batch), 'gn_metric_upsert');
      if (Number(rows[0]?.[0]) === runIds.length)
        await tx.query(RECOMPUTE_SUMMARIES, [uuidArray(runIds), names], 'gn_metric_recompute');
      return rows;
    });
  };
  const write = async (chunk: readonly MetricPoint[], batch: EncodedBatch, offset: number) => {
    const { runIds } = batch;
    const runId = runIds[0] ?? '';
    let rows: unknown[][];
    try {
      rows = await sql.query(INSERT, asParams(batch), 'gn_metric_insert');
    } catch (error) {
      const mapped = toAppError(error, 'run', runId);
      if (mapped.code !== 'ALREADY_EXISTS') throw mapped;
      rows = await translateErrors('run', runId, () => upsert(chunk, offset, runIds));
    }
    if (Number(rows[0]?.[0]) !== runIds.length) {
      const missing = await firstMissingRun(sql, runIds);
      if (missing === null)
        throw new AppError('UNAVAILABLE', 'metric batch refused while its runs changed; retry it');
      throw notFound('run', missing);
    }
  };
  return {
    async upsertMany(points: readonly MetricPoint[]) {
      const chunks: { points: MetricPoint[]; batch: EncodedBatch; start: number }[] = [];
      for (let start = 0; start < points.length; start += UPSERT_CHUNK) {
        const chunk = points.slice(start, start + UPSERT_CHUNK);
        chunks.push({ points: chunk, batch: encodeBatch(chunk, start), start });
      }
      for (const { points: chunk, batch, start } of chunks) await write(chunk, batch, start);
    },

    replay(runId, options) {
      return replay(sql, runId, options);
    },

    page(runId, query, pageSize, pageToken) {
      return readPage(sql, runId, query, pageSize, pageToken);
    },

    summaries(runIds, names) {
      return readSummaries(sql, runIds, names);
    },
  };
}

/** A uuid[] literal: uuids (checked by `encodeBatch`) are valid bare. */
const uuidArray = (ids: readonly string[]): string => `{${ids.join(',')}}`;

function asParams(batch: EncodedBatch): unknown[] {
  const { runIndex, steps, names, values, times, runIds } = batch;
  return [runIndex, steps, names, values, times, uuidArray(runIds)];
}

/** Which of `runIds` does not exist (the batch was refused for it), if any; the error path only. */
async function firstMissingRun(sql: SqlRunner, runIds: readonly string[]): Promise<string | null> {
  const rows = await translateErrors('run', runIds[0] ?? '', () =>
    sql.query(
      'SELECT id::text FROM unnest($1::uuid[]) WITH ORDINALITY AS ids(id, k) WHERE NOT EXISTS (SELECT 1 FROM runs WHERE runs.id = ids.id) ORDER BY k LIMIT 1',
      [uuidArray(runIds)],
    ),
  );
  const id = rows[0]?.[0];
  return typeof id === 'string' ? id : null;
}
