import { invalidArgument } from '../errors/index.js';
import type { MetricPoint } from '../runs/spec.js';
import { toAppError, translateErrors } from './errors.js';
import { dedupe, type MetricColumns, toArrayLiterals, toColumns } from './metric-batch.js';
import type { SqlRunner } from './sql-runner.js';
import type { MetricRepository } from './types.js';

/** Points per INSERT statement; larger batches are split. */
export const UPSERT_CHUNK = 10_000;
/** Default and largest replay batch. */
export const DEFAULT_REPLAY_BATCH = 5_000;
export const MAX_REPLAY_BATCH = 50_000;

// The whole batch travels as five arrays in one statement. Times travel as epoch milliseconds
// and are rebuilt exactly by interval arithmetic (float8 holds µs counts exactly).
const INSERT = `
  INSERT INTO metric_points (run_id, step, name, value, time)
  SELECT r, s, n, v, timestamptz 'epoch' + t * interval '1 millisecond'
  FROM unnest($1::uuid[], $2::int4[], $3::text[], $4::float8[], $5::float8[]) AS u(r, s, n, v, t)`;
const UPSERT = `${INSERT}
  ON CONFLICT (run_id, step, name) DO UPDATE SET value = EXCLUDED.value, time = EXCLUDED.time`;

// Keyset pagination on the primary key (run_id, step, name): each batch is an index range scan
// that starts where the previous one ended, however deep into the run it is. date_part gives
// float8 seconds (extract would compute in numeric, several times slower).
const REPLAY_COLUMNS = `step, name, value, date_part('epoch', time) * 1000 AS time_ms`;
const REPLAY_FIRST = `SELECT ${REPLAY_COLUMNS} FROM metric_points
  WHERE run_id = $1 AND step > $2 AND ($3::text[] IS NULL OR name = ANY($3))
  ORDER BY step, name LIMIT $4`;
const REPLAY_NEXT = `SELECT ${REPLAY_COLUMNS} FROM metric_points
  WHERE run_id = $1 AND (step, name) > ($2, $5) AND ($3::text[] IS NULL OR name = ANY($3))
  ORDER BY step, name LIMIT $4`;

const INT32_MAX = 2 ** 31 - 1;

/**
 * Metric points, the hot path: a training run reports every scalar at every step, and a
 * `WatchRun` reconnect replays them all. Both are plain SQL on a {@link SqlRunner}, which
 * `createStore` backs with the raw `pg` pool (measured faster than Prisma's raw path, see
 * `bench/store.ts`).
 *
 * `upsertMany` first tries a plain INSERT of the chunk: new points are by far the common case,
 * and it costs about a quarter less server time than `ON CONFLICT DO UPDATE`. The statement is
 * atomic, so when any point exists already (a retried flush) it fails whole with a unique
 * violation and the chunk is written again, deduplicated, as a true upsert.
 */
export function createMetricRepository(sql: SqlRunner): MetricRepository {
  const write = async (columns: MetricColumns, runId: string) => {
    try {
      await sql.query(INSERT, asParams(columns), 'gn_metric_insert');
    } catch (error) {
      const mapped = toAppError(error, 'run', runId);
      if (mapped.code !== 'ALREADY_EXISTS') throw mapped;
      await translateErrors('run', runId, () =>
        sql.query(UPSERT, asParams(dedupe(columns)), 'gn_metric_upsert'),
      );
    }
  };
  return {
    async upsertMany(points: readonly MetricPoint[]) {
      for (let start = 0; start < points.length; start += UPSERT_CHUNK) {
        const columns = toColumns(points.slice(start, start + UPSERT_CHUNK), start);
        await write(columns, columns.runIds[0] ?? '');
      }
    },

    replay(runId, options) {
      return replay(sql, runId, options);
    },
  };
}

function asParams(columns: MetricColumns): unknown[] {
  return toArrayLiterals(columns);
}

async function* replay(
  sql: SqlRunner,
  runId: string,
  options: { sinceStep: number; names?: readonly string[]; batchSize?: number },
): AsyncGenerator<MetricPoint[]> {
  const batchSize = options.batchSize ?? DEFAULT_REPLAY_BATCH;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_REPLAY_BATCH) {
    throw invalidArgument('batchSize', batchSize, `an integer in [1, ${MAX_REPLAY_BATCH}]`);
  }
  if (!Number.isInteger(options.sinceStep)) {
    throw invalidArgument('sinceStep', options.sinceStep, 'an integer');
  }
  const names = options.names === undefined || options.names.length === 0 ? null : [...options.names];
  // Steps below 0 do not exist; clamping keeps the int4 parameter in range.
  let step = Math.max(-1, Math.min(options.sinceStep, INT32_MAX));
  let name: string | null = null;
  for (;;) {
    const rows = await translateErrors('run', runId, () =>
      name === null
        ? sql.query(REPLAY_FIRST, [runId, step, names, batchSize], 'gn_metric_replay_first')
        : sql.query(REPLAY_NEXT, [runId, step, names, batchSize, name], 'gn_metric_replay_next'),
    );
    if (rows.length === 0) return;
    const batch = new Array<MetricPoint>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as [number, string, number, number];
      // float8 seconds × 1000 is off by a few ulps; the stored time has µs resolution.
      batch[i] = {
        runId,
        step: row[0],
        name: row[1],
        value: row[2],
        timeMs: Math.round(row[3] * 1000) / 1000,
      };
    }
    yield batch;
    if (rows.length < batchSize) return;
    const last = batch[batch.length - 1] as MetricPoint;
    step = last.step;
    name = last.name;
  }
}
