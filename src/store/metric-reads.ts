import type { MetricPoint } from '../core/index.js';
import { invalidArgument } from '../core/index.js';
import { NameTable, readPointPage } from './metric-pack.js';
import { decodeMetricPageToken, encodeMetricPageToken } from './page-token.js';
import type { SqlRunner } from './sql-runner.js';
import type { MetricPageQuery, Page } from './types.js';

/** Default and largest replay batch. */
export const DEFAULT_REPLAY_BATCH = 5_000;
export const MAX_REPLAY_BATCH = 50_000;
/** Default and largest page of `MetricRepository.page` (GetRunMetrics). */
export const DEFAULT_POINT_PAGE = 1_000;
export const MAX_POINT_PAGE = 10_000;

const INT32_MAX = 2 ** 31 - 1;

/** `MetricRepository.replay`: keyset pages of `readPointPage`, one page read ahead. */
export async function* replay(
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
  const fetchPage = (afterStep: number, afterName: string | null): Promise<MetricPoint[]> =>
    readPointPage(
      sql,
      runId,
      { names, afterStep, afterName, toStep: INT32_MAX, limit: batchSize },
      nameTable,
    );
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

/** `MetricRepository.page`: one keyset page, its token bound to the run and the query. */
export async function readPage(
  sql: SqlRunner,
  runId: string,
  query: MetricPageQuery,
  pageSize: number,
  pageToken: string,
): Promise<Page<MetricPoint>> {
  if (!Number.isInteger(pageSize) || pageSize < 0 || pageSize > MAX_POINT_PAGE) {
    throw invalidArgument(
      'page_size',
      pageSize,
      `an integer in [0, ${MAX_POINT_PAGE}] (0: ${DEFAULT_POINT_PAGE})`,
    );
  }
  for (const [field, value] of [
    ['from_step', query.fromStep],
    ['to_step', query.toStep],
  ] as const) {
    if (!Number.isInteger(value) || value < 0 || value > INT32_MAX)
      throw invalidArgument(field, value, 'an integer in [0, 2^31 - 1]');
  }
  const limit = pageSize === 0 ? DEFAULT_POINT_PAGE : pageSize;
  const after = decodeMetricPageToken(pageToken, runId, query);
  const names = query.names.length === 0 ? null : query.names;
  // Fetch one more than the page: a next page exists only if it does.
  const points = await readPointPage(
    sql,
    runId,
    {
      names,
      afterStep: after?.step ?? query.fromStep - 1,
      afterName: after?.name ?? null,
      toStep: query.toStep,
      limit: limit + 1,
    },
    new NameTable(),
  );
  const items = points.slice(0, limit);
  const last = items[items.length - 1];
  const nextPageToken =
    points.length > limit && last !== undefined
      ? encodeMetricPageToken({ step: last.step, name: last.name }, runId, query)
      : '';
  return { items, nextPageToken };
}
