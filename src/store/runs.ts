import type pg from 'pg';
import {
  AppError,
  describeValue,
  failedPrecondition,
  invalidArgument,
  notFound,
  RUN_STATUSES,
  type RunStatus,
} from '../core/index.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { Prisma } from '../generated/prisma/client.js';
import { translateErrors } from './errors.js';
import { isInitFromKeyViolation } from './init-from-key.js';
import { decodePageToken, encodePageToken } from './page-token.js';
import { RUN_COLUMN_LIST, RUN_COLUMNS, type RunRow, toRunRecord } from './run-record.js';
import type { NewRun, Page, RunFilter, RunRecord, RunRepository } from './types.js';
import { isUuid } from './uuid.js';

/** `list` page size when the caller passes 0 (AIP-158). */
export const DEFAULT_PAGE_SIZE = 50;
/** Larger page sizes are lowered to this. */
export const MAX_PAGE_SIZE = 1000;

type RunCatalog = Pick<
  RunRepository,
  'create' | 'get' | 'list' | 'requestCancel' | 'countByStatus' | 'countQueued'
>;

/**
 * Creation time in whole milliseconds, as Prisma writes it, so that the order of runs in the
 * database (created_at, then id) is the order their JS `Date`s (ms) give to clients.
 */
const MS_NOW = "date_trunc('milliseconds', clock_timestamp())";

const INSERT_RUN = `
  INSERT INTO runs (project, request_id, trainer, spec, status, labels, sweep_id, display_name,
                    init_from_run_id, init_from_step, init_from_mode, created_at, updated_at)
  VALUES ($1, $2, $3, $4::jsonb, 'QUEUED', $5::jsonb, $6::uuid, $7, $8::uuid, $9::int4, $10::"InitMode",
          ${MS_NOW}, ${MS_NOW})
  ON CONFLICT (project, request_id) DO NOTHING
  RETURNING ${RUN_COLUMN_LIST}`;

const RUN_BY_REQUEST = `SELECT ${RUN_COLUMN_LIST} FROM runs WHERE project = $1 AND request_id = $2`;

/**
 * The user-facing half of {@link RunRepository}: create, read, list, cancel, count. `create` (every
 * StartRun) and `countQueued` (the queue limit's occasional exact count) use the raw `pool` with
 * prepared statements; `pg` returns the aliased columns with the same types as Prisma's `Run`.
 */
export function createRunCatalog(prisma: PrismaClient, pool: pg.Pool): RunCatalog {
  const get = async (project: string, id: string): Promise<RunRecord> => {
    const row = await translateErrors('run', id, () => prisma.run.findFirst({ where: { id, project } }));
    if (row === null) throw notFound('run', id);
    return toRunRecord(row);
  };

  return {
    get,

    async create(input: NewRun) {
      // One round trip on the raw pool, not Prisma: StartRun's latency is mostly this call, and
      // Prisma's client took a large share of its event-loop time (docs/benchmarks.md, "Figures
      // behind the code").
      // ON CONFLICT makes a retry of a request id return the stored run instead of an error.
      const values = [
        input.project,
        input.requestId,
        input.spec.trainer,
        JSON.stringify(input.spec),
        JSON.stringify(input.labels),
        input.sweepId ?? null,
        input.displayName ?? '',
        input.initFrom?.runId ?? null,
        input.initFrom?.step ?? null,
        input.initFrom?.mode ?? null,
      ];
      const inserted = await translateErrors('run', input.requestId ?? '', () =>
        pool.query<RunRow>({ name: 'runs.create', text: INSERT_RUN, values }).catch((error: unknown) => {
          throw input.initFrom !== undefined && isInitFromKeyViolation(error)
            ? notFound(
                `init_from.step: checkpoint at step ${input.initFrom.step} of run`,
                input.initFrom.runId,
              )
            : error;
        }),
      );
      const row = inserted.rows[0];
      if (row !== undefined) return { run: toRunRecord(row), created: true };
      // The request id was taken: by an earlier request, or by one that committed while this
      // insert waited on the unique index. Either way its row is visible to a new statement.
      const requestId = input.requestId ?? '';
      const existing = await translateErrors('run', requestId, () =>
        pool.query<RunRow>({
          name: 'runs.by-request',
          text: RUN_BY_REQUEST,
          values: [input.project, requestId],
        }),
      );
      const found = existing.rows[0];
      if (found === undefined)
        throw new AppError('INTERNAL', `run ${describeValue(requestId)}: conflict without a row`);
      return { run: toRunRecord(found), created: false };
    },

    async list(filter: RunFilter, pageSize: number, pageToken: string): Promise<Page<RunRecord>> {
      if (!Number.isInteger(pageSize) || pageSize < 0) {
        throw invalidArgument('page_size', pageSize, `an integer >= 0 (0 means ${DEFAULT_PAGE_SIZE})`);
      }
      const limit = pageSize === 0 ? DEFAULT_PAGE_SIZE : Math.min(pageSize, MAX_PAGE_SIZE);
      const cursor = decodePageToken(pageToken, filter);
      // No run belongs to a sweep whose id is not even a uuid.
      if (filter.sweepId !== undefined && !isUuid(filter.sweepId)) return { items: [], nextPageToken: '' };

      const where: Prisma.Sql[] = [Prisma.sql`project = ${filter.project}`];
      if (filter.statuses !== undefined && filter.statuses.length > 0) {
        where.push(Prisma.sql`status = ANY(${[...filter.statuses]}::"RunStatus"[])`);
      }
      if (filter.trainer !== undefined) where.push(Prisma.sql`trainer = ${filter.trainer}`);
      if (filter.labels !== undefined && Object.keys(filter.labels).length > 0) {
        // Containment is answered by the GIN index on labels.
        where.push(Prisma.sql`labels @> ${JSON.stringify(filter.labels)}::jsonb`);
      }
      if (filter.sweepId !== undefined) where.push(Prisma.sql`sweep_id = ${filter.sweepId}::uuid`);
      if (cursor !== null) {
        where.push(Prisma.sql`(created_at, id) < (${cursor.createdAt}::timestamptz, ${cursor.id}::uuid)`);
      }
      const rows = await translateErrors(
        'run list',
        '',
        () =>
          prisma.$queryRaw<(RunRow & { cursorTime: string })[]>`
          SELECT ${RUN_COLUMNS},
            to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "cursorTime"
          FROM runs
          WHERE ${Prisma.join(where, ' AND ')}
          ORDER BY created_at DESC, id DESC
          LIMIT ${limit + 1}`,
      );
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      const nextPageToken =
        rows.length > limit && last !== undefined
          ? encodePageToken({ createdAt: last.cursorTime, id: last.id }, filter)
          : '';
      return { items: page.map(toRunRecord), nextPageToken };
    },

    async requestCancel(project: string, id: string) {
      const rows = await translateErrors(
        'run',
        id,
        () => prisma.$queryRaw<RunRow[]>`
          UPDATE runs SET
            status = CASE WHEN status = 'QUEUED' THEN 'CANCELLED'::"RunStatus" ELSE status END,
            cancel_requested = cancel_requested OR status = 'RUNNING',
            finished_at = CASE WHEN status = 'QUEUED' THEN now() ELSE finished_at END,
            updated_at = now()
          WHERE id = ${id}::uuid AND project = ${project} AND status IN ('QUEUED', 'RUNNING')
          RETURNING ${RUN_COLUMNS}`,
      );
      const row = rows[0];
      if (row !== undefined) return toRunRecord(row);
      const current = await get(project, id);
      throw failedPrecondition(`run ${current.id} is already ${current.status} and cannot be cancelled`);
    },

    async countByStatus() {
      const groups = await translateErrors('run counts', '', () =>
        prisma.run.groupBy({ by: ['status'], _count: { _all: true } }),
      );
      const counts = Object.fromEntries(RUN_STATUSES.map((s) => [s, 0])) as Record<RunStatus, number>;
      for (const group of groups) counts[group.status] = group._count._all;
      return counts;
    },

    async countQueued(project: string, limit: number) {
      if (!Number.isInteger(limit) || limit < 0) throw invalidArgument('limit', limit, 'an integer >= 0');
      // LIMIT inside: the count stops at the quota instead of scanning a full queue.
      const rows = await translateErrors('run queue', project, () =>
        pool.query<{ n: number }>({
          name: 'runs.count-queued',
          text: `SELECT count(*)::int AS n FROM (
                     SELECT 1 FROM runs WHERE project = $1 AND status = 'QUEUED' LIMIT $2) AS queued`,
          values: [project, limit],
        }),
      );
      return rows.rows[0]?.n ?? 0;
    },
  };
}
