import type { RunStatus } from '../core/index.js';
import { invalidArgument, notFound } from '../core/index.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { Prisma } from '../generated/prisma/client.js';
import { translateErrors } from './errors.js';
import { decodeSweepPageToken, encodeSweepPageToken } from './page-token.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './runs.js';
import type { SweepCancellation, SweepListing, SweepRepository, SweepRunCounts } from './types.js';
import { isUuid } from './uuid.js';

type SweepCatalog = Pick<SweepRepository, 'list' | 'cancelRuns'>;

interface CountColumns {
  readonly queued: number;
  readonly running: number;
  readonly completed: number;
  readonly failed: number;
  readonly cancelled: number;
  readonly stopped_early: number;
}

interface ListedRow extends CountColumns {
  readonly id: string;
  readonly project: string;
  readonly requestId: string | null;
  readonly name: string;
  readonly spec: Record<string, unknown>;
  readonly createdAt: Date;
  readonly cursorTime: string;
}

interface CancelRow {
  readonly found: boolean;
  readonly cancelled_ids: string[];
  readonly stopping_ids: string[];
  /** Null only when the sweep was not found. */
  readonly counts: CountColumns | null;
}

/** Per-status counts of the runs in `rows` (a relation with a `status` column). */
const COUNTS = Prisma.sql`
  count(*) FILTER (WHERE status = 'QUEUED')::int AS queued,
  count(*) FILTER (WHERE status = 'RUNNING')::int AS running,
  count(*) FILTER (WHERE status = 'COMPLETED')::int AS completed,
  count(*) FILTER (WHERE status = 'FAILED')::int AS failed,
  count(*) FILTER (WHERE status = 'CANCELLED')::int AS cancelled,
  count(*) FILTER (WHERE status = 'STOPPED_EARLY')::int AS stopped_early`;

/**
 * ListSweeps and CancelSweep over the `sweeps` and `runs` tables. Listing pages by the keyset
 * (created_at, id) on `sweeps_project_created_at_id_idx` and counts the runs of the page's sweeps
 * only; cancelling changes every unfinished run of a sweep in one statement.
 */
export function createSweepCatalog(prisma: PrismaClient): SweepCatalog {
  return {
    async list(filter, pageSize, pageToken) {
      if (!Number.isInteger(pageSize) || pageSize < 0) {
        throw invalidArgument('page_size', pageSize, `an integer >= 0 (0 means ${DEFAULT_PAGE_SIZE})`);
      }
      const limit = pageSize === 0 ? DEFAULT_PAGE_SIZE : Math.min(pageSize, MAX_PAGE_SIZE);
      const cursor = decodeSweepPageToken(pageToken, filter);
      const where: Prisma.Sql[] = [Prisma.sql`s.project = ${filter.project}`];
      if (filter.labels !== undefined && Object.keys(filter.labels).length > 0) {
        // A sweep's own labels are those of its StartSweep request, stored in its spec.
        where.push(Prisma.sql`s.spec->'labels' @> ${JSON.stringify(filter.labels)}::jsonb`);
      }
      if (filter.state !== undefined) {
        const unfinished = Prisma.sql`EXISTS (
          SELECT 1 FROM runs r WHERE r.sweep_id = s.id AND r.status IN ('QUEUED', 'RUNNING'))`;
        where.push(filter.state === 'active' ? unfinished : Prisma.sql`NOT ${unfinished}`);
      }
      if (cursor !== null) {
        where.push(Prisma.sql`(s.created_at, s.id) < (${cursor.createdAt}::timestamptz, ${cursor.id}::uuid)`);
      }
      // The page first, then the counts of its sweeps only.
      const rows = await translateErrors(
        'sweep list',
        '',
        () => prisma.$queryRaw<ListedRow[]>`
          WITH page AS (
            SELECT s.id, s.project, s.request_id, s.name, s.spec, s.created_at
            FROM sweeps s
            WHERE ${Prisma.join(where, ' AND ')}
            ORDER BY s.created_at DESC, s.id DESC
            LIMIT ${limit + 1}
          )
          SELECT p.id, p.project, p.request_id AS "requestId", p.name, p.spec, p.created_at AS "createdAt",
            to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "cursorTime",
            c.*
          FROM page p
          CROSS JOIN LATERAL (SELECT ${COUNTS} FROM runs WHERE sweep_id = p.id) c
          ORDER BY p.created_at DESC, p.id DESC`,
      );
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      const nextPageToken =
        rows.length > limit && last !== undefined
          ? encodeSweepPageToken({ createdAt: last.cursorTime, id: last.id }, filter)
          : '';
      return {
        items: page.map(
          (row): SweepListing => ({
            sweep: {
              id: row.id,
              project: row.project,
              requestId: row.requestId,
              name: row.name,
              spec: row.spec,
              createdAt: row.createdAt,
            },
            counts: toCounts(row),
          }),
        ),
        nextPageToken,
      };
    },

    async cancelRuns(project, sweepId): Promise<SweepCancellation> {
      if (!isUuid(sweepId)) throw notFound('sweep', sweepId);
      // One statement, so the sweep's runs change together. RETURNING gives the new status of the
      // changed rows; the counts read the statement's snapshot, with those new statuses laid over.
      const rows = await translateErrors(
        'sweep',
        sweepId,
        () => prisma.$queryRaw<CancelRow[]>`
          WITH target AS (
            SELECT id FROM sweeps WHERE id = ${sweepId}::uuid AND project = ${project}
          ), changed AS (
            UPDATE runs SET
              status = CASE WHEN status = 'QUEUED' THEN 'CANCELLED'::"RunStatus" ELSE status END,
              cancel_requested = cancel_requested OR status = 'RUNNING',
              finished_at = CASE WHEN status = 'QUEUED' THEN now() ELSE finished_at END,
              updated_at = now()
            WHERE sweep_id = (SELECT id FROM target) AND project = ${project}
              AND (status = 'QUEUED' OR (status = 'RUNNING' AND NOT cancel_requested))
            RETURNING id, status
          ), after AS (
            SELECT coalesce(c.status, r.status) AS status
            FROM runs r LEFT JOIN changed c ON c.id = r.id
            WHERE r.sweep_id = (SELECT id FROM target)
          )
          SELECT EXISTS (SELECT 1 FROM target) AS found,
            coalesce((SELECT array_agg(id::text) FROM changed WHERE status = 'CANCELLED'), '{}') AS cancelled_ids,
            coalesce((SELECT array_agg(id::text) FROM changed WHERE status = 'RUNNING'), '{}') AS stopping_ids,
            (SELECT to_jsonb(x) FROM (SELECT ${COUNTS} FROM after) x) AS counts`,
      );
      const row = rows[0];
      if (row === undefined || !row.found || row.counts === null) throw notFound('sweep', sweepId);
      return { cancelled: row.cancelled_ids, stopping: row.stopping_ids, counts: toCounts(row.counts) };
    },
  };
}

function toCounts(row: CountColumns): SweepRunCounts {
  const byStatus: Record<RunStatus, number> = {
    QUEUED: row.queued,
    RUNNING: row.running,
    COMPLETED: row.completed,
    FAILED: row.failed,
    CANCELLED: row.cancelled,
    STOPPED_EARLY: row.stopped_early,
  };
  return { ...byStatus, total: Object.values(byStatus).reduce((a, b) => a + b, 0) };
}
