import { createHash } from 'node:crypto';
import { invalidArgument } from '../core/index.js';
import type { MetricPageQuery, RunFilter, SweepFilter } from './types.js';
import { isUuid } from './uuid.js';

/** Where the previous page ended: the last row's exact `created_at` (ISO UTC, µs) and id. */
export interface RunCursor {
  readonly createdAt: string;
  readonly id: string;
}

interface TokenBody {
  /** created_at as ISO 8601 UTC text: it keeps the microseconds a JS Date would drop. */
  readonly t: string;
  readonly i: string;
  /** Digest of the filter the token was issued for. */
  readonly f: string;
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** Opaque keyset token of ListRuns: base64url of the cursor, bound to the filter it pages through. */
export function encodePageToken(cursor: RunCursor, filter: RunFilter): string {
  return encodeKeysetToken(cursor, runScope(filter));
}

/**
 * Reads a token from {@link encodePageToken}. `''` is the first page (null). Anything else that is
 * not a token issued for this same filter is INVALID_ARGUMENT on `page_token` (AIP-158).
 */
export function decodePageToken(token: string, filter: RunFilter): RunCursor | null {
  return decodeKeysetToken(token, runScope(filter));
}

/** ListSweeps' token: the same keyset on (created_at, id), bound to the sweep filter. */
export function encodeSweepPageToken(cursor: RunCursor, filter: SweepFilter): string {
  return encodeKeysetToken(cursor, sweepScope(filter));
}

/** Reads a token from {@link encodeSweepPageToken}; the errors of {@link decodePageToken}. */
export function decodeSweepPageToken(token: string, filter: SweepFilter): RunCursor | null {
  return decodeKeysetToken(token, sweepScope(filter));
}

function encodeKeysetToken(cursor: RunCursor, scope: string): string {
  const body: TokenBody = { t: cursor.createdAt, i: cursor.id, f: digest(scope) };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

function decodeKeysetToken(token: string, scope: string): RunCursor | null {
  if (token === '') return null;
  const bad = () => invalidArgument('page_token', token, 'a next_page_token returned for the same filter');
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (typeof body !== 'object' || body === null) throw bad();
  const { t, i, f } = body as Record<string, unknown>;
  if (typeof t !== 'string' || !TIMESTAMP.test(t) || typeof i !== 'string' || !isUuid(i)) throw bad();
  if (f !== digest(scope)) throw bad();
  return { createdAt: t, id: i };
}

const byKey = ([a]: [string, string], [b]: [string, string]) => (a < b ? -1 : a > b ? 1 : 0);

function runScope(filter: RunFilter): string {
  return JSON.stringify([
    filter.project,
    [...(filter.statuses ?? [])].sort(),
    filter.trainer ?? null,
    Object.entries(filter.labels ?? {}).sort(byKey),
    filter.sweepId ?? null,
  ]);
}

// Tagged, so that no ListRuns token is ever valid for ListSweeps (their scopes differ in shape).
function sweepScope(filter: SweepFilter): string {
  return JSON.stringify([
    'sweeps',
    filter.project,
    Object.entries(filter.labels ?? {}).sort(byKey),
    filter.state ?? null,
  ]);
}

function digest(canonical: string): string {
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 12);
}

/** Where a GetRunMetrics page ended: its last point's step and name. */
export interface MetricCursor {
  readonly step: number;
  readonly name: string;
}

/** GetRunMetrics' token: the last (step, name), bound to the run, the names and the step range. */
export function encodeMetricPageToken(cursor: MetricCursor, runId: string, query: MetricPageQuery): string {
  const body = { s: cursor.step, n: cursor.name, f: digest(metricScope(runId, query)) };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

/**
 * Reads a token from {@link encodeMetricPageToken}: `''` is the first page (null); anything not
 * issued for this run and query is INVALID_ARGUMENT on `page_token`.
 */
export function decodeMetricPageToken(
  token: string,
  runId: string,
  query: MetricPageQuery,
): MetricCursor | null {
  if (token === '') return null;
  const bad = () =>
    invalidArgument('page_token', token, 'a next_page_token returned for the same run_id, names and steps');
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  const { s, n, f } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (typeof s !== 'number' || !Number.isInteger(s) || s < 0 || s > 2 ** 31 - 1 || typeof n !== 'string')
    throw bad();
  if (f !== digest(metricScope(runId, query))) throw bad();
  return { step: s, name: n };
}

// Tagged, so that no token of another List RPC is valid here. Names are a set: their order in the
// request does not change the page.
function metricScope(runId: string, query: MetricPageQuery): string {
  return JSON.stringify([
    'metrics',
    runId.toLowerCase(),
    [...new Set(query.names)].sort(),
    query.fromStep,
    query.toStep,
  ]);
}
