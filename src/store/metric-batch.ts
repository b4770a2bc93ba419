import type { MetricPoint } from '../core/index.js';
import { invalidArgument, notFound } from '../core/index.js';
import { isUuid } from './uuid.js';

const INT32_MAX = 2 ** 31 - 1;
/**
 * Longest metric name in UTF-8 bytes. Replay packs each name behind a 16-bit length
 * (`metrics.ts`), and a page of 50,000 points must stay far below PostgreSQL's 1 GB value limit.
 */
export const MAX_METRIC_NAME_BYTES = 1024;

/**
 * A batch of points as the parameters of the `unnest` insert (`metrics.ts`): five arrays in
 * PostgreSQL's binary array format, one element per point, in order, duplicates kept, and the
 * batch's distinct runs.
 *
 * Binary, not text: node-postgres sends a `Buffer` parameter in the binary format, so PostgreSQL
 * reads each element as it is (`int4recv`, `float8recv`, `timestamptz_recv`) instead of parsing
 * text, and this side writes bytes instead of formatting every float as a decimal string
 * (with the sink's queue, this cut the sink's CPU per point: docs/benchmarks.md, "Figures behind
 * the code", and History). float8 travels bit-exact, so NaN and -0 need no special case.
 */
export interface EncodedBatch {
  /** The distinct run ids, lower case, in order of first appearance. */
  readonly runIds: string[];
  /** int4[]: each point's run, as a 1-based index into `runIds`. */
  readonly runIndex: Buffer;
  /** int4[]: steps. */
  readonly steps: Buffer;
  /** text[]: names in UTF-8. */
  readonly names: Buffer;
  /** float8[]: values. */
  readonly values: Buffer;
  /** timestamptz[]: times, as PostgreSQL's microseconds since 2000-01-01 UTC. */
  readonly times: Buffer;
}

// Element type OIDs (pg_type), which `array_recv` checks against the parameter's declared type.
const INT4_OID = 23;
const TEXT_OID = 25;
const FLOAT8_OID = 701;
const TIMESTAMPTZ_OID = 1184;
/** ndim, has-null flag, element type, then length and lower bound of the one dimension. */
const ARRAY_HEADER_BYTES = 20;
/** PostgreSQL's timestamp epoch (2000-01-01) in Unix milliseconds. */
const PG_EPOCH_MS = 946_684_800_000;
const TWO_32 = 2 ** 32;
/**
 * Times PostgreSQL's timestamptz can hold and JavaScript's Date can show, in Unix ms: from
 * 4714-11-24 BC (PostgreSQL's first day) to the end of the Date range. Inside it the µs fit int8,
 * so no time wraps around silently, and the server never refuses one (which would hold the sink's
 * batch forever).
 */
export const MIN_TIME_MS = -210_866_803_200_000;
export const MAX_TIME_MS = 8.64e15;

/** A one-dimensional array without nulls of `count` elements: the header, written at 0. */
function arrayBuffer(elementOid: number, count: number, dataBytes: number): [Buffer, DataView] {
  const buffer = Buffer.allocUnsafe(ARRAY_HEADER_BYTES + dataBytes);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  view.setInt32(0, 1);
  view.setInt32(4, 0);
  view.setInt32(8, elementOid);
  view.setInt32(12, count);
  view.setInt32(16, 1);
  return [buffer, view];
}

/**
 * Validates `points` (a slice starting at `offset` of the caller's array, for error paths) and
 * encodes them. A malformed run id is NOT_FOUND (no such run can exist); a bad step, name, value
 * or time is INVALID_ARGUMENT naming `points[i].field`.
 */
export function encodeBatch(points: readonly MetricPoint[], offset: number): EncodedBatch {
  const count = points.length;
  const runIds: string[] = [];
  const runIndexOf = new Map<string, number>();
  const runIndex = new Int32Array(count);
  // Names repeat (a trainer reports the same few every step): encode each distinct one once.
  const nameBytes = new Map<string, Buffer>();
  const encodedNames = new Array<Buffer>(count);
  let nameTotal = 0;
  // Not a string, nor undefined: the first point's run id is always checked, whatever it is.
  let lastRunId: unknown = Symbol('none');
  let lastIndex = 0;
  for (let i = 0; i < count; i++) {
    const p = points[i] as MetricPoint;
    if (p.runId !== lastRunId) {
      if (typeof p.runId !== 'string' || !isUuid(p.runId)) throw notFound('run', String(p.runId));
      // One spelling per uuid: the store counts a batch's distinct runs as strings.
      const id = p.runId.toLowerCase();
      let index = runIndexOf.get(id);
      if (index === undefined) {
        runIds.push(id);
        index = runIds.length;
        runIndexOf.set(id, index);
      }
      lastRunId = p.runId;
      lastIndex = index;
    }
    runIndex[i] = lastIndex;
    if (!Number.isInteger(p.step) || p.step < 0 || p.step > INT32_MAX) {
      throw invalidArgument(`points[${offset + i}].step`, p.step, 'an integer in [0, 2^31 - 1]');
    }
    let name = typeof p.name === 'string' ? nameBytes.get(p.name) : undefined;
    if (name === undefined) {
      if (
        typeof p.name !== 'string' ||
        p.name === '' ||
        p.name.includes('\0') ||
        (p.name.length * 3 > MAX_METRIC_NAME_BYTES && Buffer.byteLength(p.name) > MAX_METRIC_NAME_BYTES)
      ) {
        throw invalidArgument(
          `points[${offset + i}].name`,
          p.name,
          `a non-empty string without NUL, at most ${MAX_METRIC_NAME_BYTES} bytes in UTF-8`,
        );
      }
      name = Buffer.from(p.name, 'utf8');
      nameBytes.set(p.name, name);
    }
    encodedNames[i] = name;
    nameTotal += name.length;
    if (typeof p.value !== 'number')
      throw invalidArgument(`points[${offset + i}].value`, p.value, 'a number');
    if (typeof p.timeMs !== 'number' || !(p.timeMs >= MIN_TIME_MS && p.timeMs <= MAX_TIME_MS)) {
      throw invalidArgument(
        `points[${offset + i}].timeMs`,
        p.timeMs,
        `a number of ms since the epoch in [${MIN_TIME_MS}, ${MAX_TIME_MS}] (4714 BC to the end of the JavaScript Date range)`,
      );
    }
  }
  const [runIndexBuffer, runView] = arrayBuffer(INT4_OID, count, 8 * count);
  const [steps, stepView] = arrayBuffer(INT4_OID, count, 8 * count);
  const [names, nameView] = arrayBuffer(TEXT_OID, count, 4 * count + nameTotal);
  const [values, valueView] = arrayBuffer(FLOAT8_OID, count, 12 * count);
  const [times, timeView] = arrayBuffer(TIMESTAMPTZ_OID, count, 12 * count);
  let at4 = ARRAY_HEADER_BYTES;
  let at8 = ARRAY_HEADER_BYTES;
  let atName = ARRAY_HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    const p = points[i] as MetricPoint;
    runView.setInt32(at4, 4);
    runView.setInt32(at4 + 4, runIndex[i] as number);
    stepView.setInt32(at4, 4);
    stepView.setInt32(at4 + 4, p.step);
    at4 += 8;
    const name = encodedNames[i] as Buffer;
    nameView.setInt32(atName, name.length);
    name.copy(names, atName + 4);
    atName += 4 + name.length;
    valueView.setInt32(at8, 8);
    valueView.setFloat64(at8 + 4, p.value);
    // int8 microseconds, written as two 32-bit halves (exact within ±2^53 µs of 2000: 1715 to 2285).
    const micros = Math.round((p.timeMs - PG_EPOCH_MS) * 1000);
    const high = Math.floor(micros / TWO_32);
    timeView.setInt32(at8, 8);
    timeView.setInt32(at8 + 4, high);
    timeView.setUint32(at8 + 8, micros - high * TWO_32);
    at8 += 12;
  }
  return { runIds, runIndex: runIndexBuffer, steps, names, values, times };
}

/**
 * Keeps the last point of each (run, step, name), in the place of its first. `ON CONFLICT DO
 * UPDATE` cannot touch one row twice in a statement, so the upsert needs this; the last point
 * wins, as it would across calls.
 */
export function dedupe(points: readonly MetricPoint[]): MetricPoint[] {
  const slot = new Map<string, number>();
  const out: MetricPoint[] = [];
  for (const p of points) {
    const key = `${String(p.runId).toLowerCase()}\u0000${p.step}\u0000${p.name}`;
    const at = slot.get(key);
    if (at === undefined) {
      slot.set(key, out.length);
      out.push(p);
    } else {
      out[at] = p;
    }
  }
  return out;
}
