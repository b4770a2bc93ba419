import type { MetricPoint } from '../core/index.js';
import { translateErrors } from './errors.js';
import type { SqlRunner } from './sql-runner.js';

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
    WHERE run_id = $1 AND ${after} AND step <= $5::int4 AND ($3::text[] IS NULL OR name = ANY($3))
    ORDER BY step, name LIMIT $4) AS page`;
const REPLAY_FIRST = REPLAY_PAGE('step > $2');
const REPLAY_NEXT = REPLAY_PAGE('(step, name) > ($2, $6)');

/** Where a page of points starts and what it holds: `names` null for all, `toStep` inclusive. */
export interface PointPageQuery {
  readonly names: readonly string[] | null;
  /** The page holds points after this (step, name): `name` null for every name at a step > `step`. */
  readonly afterStep: number;
  readonly afterName: string | null;
  /** The last step the page may hold (int4). */
  readonly toStep: number;
  readonly limit: number;
}

/**
 * One page of a run's stored points in (step, name) order (at most `limit`), the keyset page shared
 * by replay and GetRunMetrics. `names` lets a long read decode each name once.
 */
export async function readPointPage(
  sql: SqlRunner,
  runId: string,
  query: PointPageQuery,
  names: NameTable,
): Promise<MetricPoint[]> {
  const filter = query.names === null ? null : [...query.names];
  const rows = await translateErrors('run', runId, () =>
    query.afterName === null
      ? sql.query(
          REPLAY_FIRST,
          [runId, query.afterStep, filter, query.limit, query.toStep],
          'gn_metric_replay_first',
        )
      : sql.query(
          REPLAY_NEXT,
          [runId, query.afterStep, filter, query.limit, query.toStep, query.afterName],
          'gn_metric_replay_next',
        ),
  );
  const [count, packed] = (rows[0] ?? [0, null]) as [number, Uint8Array | null];
  if (count === 0 || packed === null) return [];
  // pg gives a Buffer; Prisma's raw path (the other SqlRunner) a plain Uint8Array.
  const bytes = Buffer.isBuffer(packed)
    ? packed
    : Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength);
  return unpackPage(runId, count, bytes, names);
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
export class NameTable {
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
