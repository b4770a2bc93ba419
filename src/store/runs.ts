import { failedPrecondition, invalidArgument, notFound } from '../errors/index.js';
import type { PrismaClient, Run } from '../generated/prisma/client.js';
import { Prisma } from '../generated/prisma/client.js';
import type { RunStatus } from '../runs/spec.js';
import { toAppError, translateErrors } from './errors.js';
import { decodePageToken, encodePageToken } from './page-token.js';
import { RUN_COLUMNS, toRunRecord } from './run-record.js';
import type { NewRun, Page, RunFilter, RunRecord, RunRepository } from './types.js';
import { isUuid } from './uuid.js';

/** `list` page size when the caller passes 0 (AIP-158). */
export const DEFAULT_PAGE_SIZE = 50;
/** Larger page sizes are lowered to this. */
export const MAX_PAGE_SIZE = 1000;

const ALL_STATUSES: readonly RunStatus[] = ['QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'];

type RunCatalog = Pick<
  RunRepository,
  'create' | 'get' | 'list' | 'requestCancel' | 'countByStatus' | 'countQueued'
>;

/** The user-facing half of {@link RunRepository}: create, read, list, cancel, count. */
export function createRunCatalog(prisma: PrismaClient): RunCatalog {
  const get = async (project: string, id: string): Promise<RunRecord> => {
    const row = await translateErrors('run', id, () => prisma.run.findFirst({ where: { id, project } }));
    if (row === null) throw notFound('run', id);
    return toRunRecord(row);
  };

  return {
    get,

    async create(input: NewRun) {
      try {
        const row = await prisma.run.create({
          data: {
            project: input.project,
            requestId: input.requestId,
            trainer: input.spec.trainer,
            spec: input.spec as unknown as Prisma.InputJsonValue,
            status: 'QUEUED',
            labels: input.labels,
            ...(input.sweepId === undefined ? {} : { sweepId: input.sweepId }),
          },
        });
        return { run: toRunRecord(row), created: true };
      } catch (error) {
        const appError = toAppError(error, 'run', input.requestId ?? '');
        if (appError.code !== 'ALREADY_EXISTS' || input.requestId === null) throw appError;
        // Lost the race for this request id (or a retry): the unique index made us wait for the
        // winner's commit, so its row is visible now.
        const requestId = input.requestId;
        const existing = await translateErrors('run', requestId, () =>
          prisma.run.findUnique({ where: { project_requestId: { project: input.project, requestId } } }),
        );
        if (existing === null) throw appError;
        return { run: toRunRecord(existing), created: false };
      }
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
          prisma.$queryRaw<(Run & { cursorTime: string })[]>`
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
        () => prisma.$queryRaw<Run[]>`
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
      const counts = Object.fromEntries(ALL_STATUSES.map((s) => [s, 0])) as Record<RunStatus, number>;
      for (const group of groups) counts[group.status] = group._count._all;
      return counts;
    },

    async countQueued(project: string, limit: number) {
      if (!Number.isInteger(limit) || limit < 0) throw invalidArgument('limit', limit, 'an integer >= 0');
      // LIMIT inside: the count stops at the quota instead of scanning a full queue.
      const rows = await translateErrors(
        'run queue',
        project,
        () => prisma.$queryRaw<{ n: number }[]>`
          SELECT count(*)::int AS n FROM (
            SELECT 1 FROM runs WHERE project = ${project} AND status = 'QUEUED' LIMIT ${limit}) AS queued`,
      );
      return rows[0]?.n ?? 0;
    },
  };
}
