import { invalidArgument, notFound } from '../errors/index.js';
import type { MetricPoint } from '../runs/spec.js';
import { isUuid } from './uuid.js';

const INT32_MAX = 2 ** 31 - 1;
/**
 * Longest metric name in UTF-8 bytes. Replay packs each name behind a 16-bit length
 * (`metrics.ts`), and a page of 50,000 points must stay far below PostgreSQL's 1 GB value limit.
 */
export const MAX_METRIC_NAME_BYTES = 1024;

/** A batch of points as the five parameter arrays of the `unnest` insert. */
export interface MetricColumns {
  readonly runIds: string[];
  readonly steps: number[];
  readonly names: string[];
  /** Numbers, except -0 as the text `-0`: pg writes numbers with String(), which drops the sign. */
  readonly values: (number | string)[];
  readonly times: number[];
}

/**
 * Validates `points` (a slice starting at `offset` of the caller's array, for error paths) and
 * turns them into columns, in order, duplicates kept. A malformed run id is NOT_FOUND, and is
 * caught here because ids go into an array literal unquoted.
 */
export function toColumns(points: readonly MetricPoint[], offset: number): MetricColumns {
  const columns: MetricColumns = { runIds: [], steps: [], names: [], values: [], times: [] };
  let checkedRunId = '';
  let runId = '';
  for (let i = 0; i < points.length; i++) {
    const p = points[i] as MetricPoint;
    if (p.runId !== checkedRunId) {
      if (typeof p.runId !== 'string' || !isUuid(p.runId)) throw notFound('run', String(p.runId));
      checkedRunId = p.runId;
      // One spelling per uuid: the store counts a batch's distinct runs as strings.
      runId = p.runId.toLowerCase();
    }
    if (!Number.isInteger(p.step) || p.step < 0 || p.step > INT32_MAX) {
      throw invalidArgument(`points[${offset + i}].step`, p.step, 'an integer in [0, 2^31 - 1]');
    }
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
    if (typeof p.value !== 'number')
      throw invalidArgument(`points[${offset + i}].value`, p.value, 'a number');
    if (!Number.isFinite(p.timeMs)) {
      throw invalidArgument(
        `points[${offset + i}].timeMs`,
        p.timeMs,
        'a finite number of ms since the epoch',
      );
    }
    columns.runIds.push(runId);
    columns.steps.push(p.step);
    columns.names.push(p.name);
    columns.values.push(Object.is(p.value, -0) ? '-0' : p.value);
    columns.times.push(p.timeMs);
  }
  return columns;
}

/**
 * Keeps the last point of each (run, step, name). `ON CONFLICT DO UPDATE` cannot touch one row
 * twice in a statement, so the upsert needs this; the last point wins, as it would across calls.
 */
export function dedupe(columns: MetricColumns): MetricColumns {
  const slot = new Map<string, number>();
  const out: MetricColumns = { runIds: [], steps: [], names: [], values: [], times: [] };
  for (let i = 0; i < columns.runIds.length; i++) {
    const key = `${columns.runIds[i]}\u0000${columns.steps[i]}\u0000${columns.names[i]}`;
    const at = slot.get(key);
    if (at === undefined) {
      slot.set(key, out.runIds.length);
      out.runIds.push(columns.runIds[i] as string);
      out.steps.push(columns.steps[i] as number);
      out.names.push(columns.names[i] as string);
      out.values.push(columns.values[i] as number | string);
      out.times.push(columns.times[i] as number);
    } else {
      out.values[at] = columns.values[i] as number | string;
      out.times[at] = columns.times[i] as number;
    }
  }
  return out;
}

/**
 * The five columns as PostgreSQL array literals. `pg` would build the same text element by
 * element with generic escaping; joining here takes about half its time on the hot path. Only
 * names need quoting: uuids and numbers (`NaN`, `Infinity`, `-0` included) are valid bare.
 */
export function toArrayLiterals(columns: MetricColumns): [string, string, string, string, string] {
  return [
    `{${columns.runIds.join(',')}}`,
    `{${columns.steps.join(',')}}`,
    `{${columns.names.map(quoteElement).join(',')}}`,
    `{${columns.values.join(',')}}`,
    `{${columns.times.join(',')}}`,
  ];
}

function quoteElement(text: string): string {
  return `"${text.replace(/[\\"]/g, '\\$&')}"`;
}
