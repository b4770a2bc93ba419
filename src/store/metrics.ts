import type { MetricPoint } from '../core/index.js';
import { AppError, invalidArgument, notFound } from '../core/index.js';
import { toAppError, translateErrors } from './errors.js';
import { dedupe, type EncodedBatch, encodeBatch } from './metric-batch.js';
import type { SqlRunner } from './sql-runner.js';
import type { MetricRepository } from './types.js';

/** Points per INSERT statement; larger batches are split. */
export const UPSERT_CHUNK = 10_000;
/** Default and largest replay batch. */
export const DEFAULT_REPLAY_BATCH = 5_000;
export const MAX_REPLAY_BATCH = 50_000;

// The whole batch travels as binary arrays in one statement (see `EncodedBatch`): per point a
// run index into the batch's distinct runs ($6), step, name, value and time.
//
// metric_points has no foreign key to runs (a per-point check cost more than the insert; see
// migration 20261129000000). Instead each statement locks the batch's distinct runs ($6) once,
// FOR KEY SHARE as a foreign key would, so none can be deleted before it commits, and inserts only
// if all of them exist. It answers how many it found: fewer than given means an unknown run.
const ROWS = `
    SELECT ($6::uuid[])[r], s, n, v, t
    FROM unnest($1::int4[], $2::int4[], $3::text[], $4::float8[], $5::timestamptz[]) AS u(r, s, n, v, t)`;
/** The batch insert under the runs' lock; `onConflict` is empty for a plain insert. */
const lockedInsert = (onConflict: string) => `
  WITH locked AS (SELECT id FROM runs WHERE id = ANY($6::uuid[]) FOR KEY SHARE),
  inserted AS (
    INSERT INTO metric_points (run_id, step, name, value, time) ${ROWS}
    WHERE (SELECT count(*) FROM locked) = cardinality($6::uuid[])${onConflict})
  SELECT (SELECT count(*) FROM locked)::int4`;
const INSERT = lockedInsert('');
const UPSERT = lockedInsert(
  '\n    ON CONFLICT (run_id, step, name) DO UPDATE SET value = EXCLUDED.value, time = EXCLUDED.time',
);

// Keyset pagination on the primary key (run_id, step, name): each page is an index range scan that
// starts where the previous one ended, however deep into the run it is.
//
// A page comes back as one row, not one row per point: every point packed as big-endian bytes
// (int4 step, int2 byte length of the name, the name in UTF-8, float8 value, float8 time in epoch
// ms) in (step, name) order. Parsing a row per point was the largest part of the service's replay
// CPU (node-postgres builds a string per field and parses it; docs/benchmarks.md, Replay); one
// bytea decodes natively, and float8send keeps every value bit-exact (NaN, -0).
// date_part gives float8 seconds (extract would compute in numeric, several times slower).
const REPLAY_PAGE = (after: string) => `
  SELECT count(*)::int4,
    string_agg(
      int4send(step) || int2send(octet_length(name)::int2) || convert_to(name, 'UTF8')
        || float8send(value) || float8send(date_part('epoch', time) * 1000),
      ''::bytea ORDER BY step, name)
  FROM (
    SELECT step, name, value, time FROM metric_points
    WHERE run_id = $1 AND ${after} AND ($3::text[] IS NULL OR name = ANY($3))
    ORDER BY step, name LIMIT $4) AS page`;
const REPLAY_FIRST = REPLAY_PAGE('step > $2');
const REPLAY_NEXT = REPLAY_PAGE('(step, name) > ($2, $5)');

const INT32_MAX = 2 ** 31 - 1;

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
 * "Figures behind the code").
 * The statement is atomic, so when any point exists already (a retried flush, a resumed run
 * recomputing steps) or the chunk repeats a (run, name, step) it fails whole with a unique
 * violation and the chunk is written again, deduplicated (the last value wins), as a true upsert.
 * Points are not deduplicated before the first try: repeats are rare, and finding them would
 * cost a key per point on every write.
 */
export function createMetricRepository(sql: SqlRunner): MetricRepository {
  const write = async (chunk: readonly MetricPoint[], batch: EncodedBatch, offset: number) => {
    const { runIds } = batch;
    const runId = runIds[0] ?? '';
    let rows: unknown[][];
    try {
      rows = await sql.query(INSERT, asParams(batch), 'gn_metric_insert');
    } catch (error) {
      const mapped = toAppError(error, 'run', runId);
      if (mapped.code !== 'ALREADY_EXISTS') throw mapped;
      rows = await translateErrors('run', runId, () =>
        sql.query(UPSERT, asParams(encodeBatch(dedupe(chunk), offset)), 'gn_metric_upsert'),
      );
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
  const step = Math.max(-1, Math.min(options.sinceStep, INT32_MAX));
  const nameTable = new NameTable();
  const fetchPage = async (afterStep: number, afterName: string | null): Promise<MetricPoint[]> => {
    const rows = await translateErrors('run', runId, () =>
      afterName === null
        ? sql.query(REPLAY_FIRST, [runId, afterStep, names, batchSize], 'gn_metric_replay_first')
        : sql.query(REPLAY_NEXT, [runId, afterStep, names, batchSize, afterName], 'gn_metric_replay_next'),
    );
    const [count, packed] = (rows[0] ?? [0, null]) as [number, Uint8Array | null];
    if (count === 0 || packed === null) return [];
    // pg gives a Buffer; Prisma's raw path (the other SqlRunner) a plain Uint8Array.
    const bytes = Buffer.isBuffer(packed)
      ? packed
      : Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength);
    return unpackPage(runId, count, bytes, nameTable);
  };
  // One page ahead: PostgreSQL reads the next page while the consumer sends this one.
  let next: Promise<MetricPoint[]> | null = fetchPage(step, null);
  while (next !== null) {
    const batch: MetricPoint[] = await next;
    if (batch.length === 0) return;
    const last = batch[batch.length - 1] as MetricPoint;
    next = batch.length < batchSize ? null : fetchPage(last.step, last.name);
    // A consumer that stops early never awaits the prefetch; its failure must not go unhandled.
    next?.catch(() => undefined);
    yield batch;
  }
}

/** The points of one packed replay page (see REPLAY_PAGE). Throws if the bytes do not add up. */
function unpackPage(runId: string, count: number, packed: Buffer, names: NameTable): MetricPoint[] {
  const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
  const batch = new Array<MetricPoint>(count);
  let at = 0;
  for (let i = 0; i < count; i += 1) {
    const length = view.getInt16(at + 4);
    const name = names.decode(packed, at + 6, length);
    at += 6 + length;
    batch[i] = {
      runId,
      step: view.getInt32(at - 6 - length),
      name,
      value: view.getFloat64(at),
      // float8 seconds × 1000 is off by a few ulps; the stored time has µs resolution.
      timeMs: Math.round(view.getFloat64(at + 8) * 1000) / 1000,
    };
    at += 16;
  }
  if (at !== packed.byteLength) {
    throw new Error(`replay page of ${count} points has ${packed.byteLength} bytes, not ${at}`);
  }
  return batch;
}

/**
 * The few distinct metric names of a run, matched byte for byte: a replay decodes each name once
 * instead of building a new string per point.
 */
class NameTable {
  private readonly bytes: Buffer[] = [];
  private readonly names: string[] = [];

  decode(source: Buffer, start: number, length: number): string {
    for (let k = 0; k < this.bytes.length; k += 1) {
      const known = this.bytes[k] as Buffer;
      if (known.length !== length) continue;
      let same = true;
      for (let j = 0; j < length; j += 1) {
        if (known[j] !== source[start + j]) {
          same = false;
          break;
        }
      }
      if (same) return this.names[k] as string;
    }
    const name = source.toString('utf8', start, start + length);
    // A replay with thousands of distinct names would make this linear scan slow; stop caching.
    if (this.bytes.length < 64) {
      this.bytes.push(Buffer.from(source.subarray(start, start + length)));
      this.names.push(name);
    }
    return name;
  }
}
