import { invalidArgument, notFound } from '../core/index.js';
import type { Prisma, PrismaClient, Sweep } from '../generated/prisma/client.js';
import { toAppError, translateErrors } from './errors.js';
import { RUN_COLUMNS, type RunRow, toRunRecord } from './run-record.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './runs.js';
import { createSweepCatalog } from './sweep-catalog.js';
import { createSweepResults } from './sweep-results.js';
import { createSweepRungs } from './sweep-rungs.js';
import type { NewSweep, Page, RunRecord, SweepRecord, SweepRepository } from './types.js';
import { isUuid } from './uuid.js';

/** Creating a sweep of 10,000 runs takes well under this; Prisma's default is 5 s. */
const TRANSACTION_TIMEOUT_MS = 60_000;

/**
 * Sweeps and the queries over their runs: creating a sweep with its whole grid of runs, reading
 * it, paging through its runs; its report and curves (`sweep-results.ts`), catalog
 * (`sweep-catalog.ts`) and ASHA rungs (`sweep-rungs.ts`).
 */
export function createSweepRepository(prisma: PrismaClient): SweepRepository {
  return {
    ...createSweepCatalog(prisma),
    ...createSweepRungs(prisma),
    ...createSweepResults(prisma),
    async create(input: NewSweep) {
      // The whole grid travels as one JSON document and is inserted by one statement: Prisma's
      // createMany was far slower for a large grid (docs/benchmarks.md, "Figures behind the
      // code"). ORDER BY gives the runs their queue positions (queue_seq) in grid order, so they
      // are claimed in it.
      const runs = JSON.stringify(
        input.runs.map((run) => ({
          project: run.project,
          request_id: run.requestId,
          trainer: run.spec.trainer,
          spec: run.spec,
          labels: run.labels,
        })),
      );
      const write = async (tx: Prisma.TransactionClient) => {
        await tx.sweep.create({
          data: {
            id: input.id,
            project: input.project,
            requestId: input.requestId,
            name: input.name,
            spec: input.spec as Prisma.InputJsonValue,
          },
        });
        await tx.$executeRaw`
          INSERT INTO runs (project, request_id, trainer, spec, status, labels, sweep_id)
          SELECT r.project, r.request_id, r.trainer, r.spec, 'QUEUED', r.labels, ${input.id}::uuid
          FROM ROWS FROM (jsonb_to_recordset(${runs}::jsonb)
              AS (project text, request_id text, trainer text, spec jsonb, labels jsonb))
            WITH ORDINALITY AS r(project, request_id, trainer, spec, labels, n)
          ORDER BY r.n`;
      };
      try {
        await prisma.$transaction(write, { timeout: TRANSACTION_TIMEOUT_MS });
      } catch (error) {
        const appError = toAppError(error, 'sweep', input.requestId ?? '');
        if (appError.code !== 'ALREADY_EXISTS' || input.requestId === null) throw appError;
        // A retry, or the loser of a race for this request id: the winner's sweep and runs are
        // committed (the unique index made us wait for it), ours rolled back whole.
        const requestId = input.requestId;
        const existing = await translateErrors('sweep', requestId, () =>
          prisma.sweep.findUnique({ where: { project_requestId: { project: input.project, requestId } } }),
        );
        if (existing === null) throw appError;
        return { sweep: toSweepRecord(existing), created: false };
      }
      const created = await translateErrors('sweep', input.id, () =>
        prisma.sweep.findUniqueOrThrow({ where: { id: input.id } }),
      );
      return { sweep: toSweepRecord(created), created: true };
    },

    async get(project: string, id: string) {
      const row = await translateErrors('sweep', id, () =>
        prisma.sweep.findFirst({ where: { id, project } }),
      );
      if (row === null) throw notFound('sweep', id);
      return toSweepRecord(row);
    },

    async listRuns(project: string, sweepId: string, pageSize: number, pageToken: string) {
      const limit = pageSize === 0 ? DEFAULT_PAGE_SIZE : Math.min(pageSize, MAX_PAGE_SIZE);
      if (!Number.isInteger(pageSize) || pageSize < 0) {
        throw invalidArgument('page_size', pageSize, `an integer >= 0 (0 means ${DEFAULT_PAGE_SIZE})`);
      }
      const after = decodeRunsToken(pageToken, sweepId);
      // Request ids of a sweep's runs start with its id: a range scan on the (project, request_id)
      // unique index. ';' is the character after ':'.
      const rows = await translateErrors(
        'sweep',
        sweepId,
        () => prisma.$queryRaw<RunRow[]>`
          SELECT ${RUN_COLUMNS} FROM runs
          WHERE project = ${project} AND sweep_id = ${sweepId}::uuid
            AND request_id > ${after ?? `${sweepId}:`} AND request_id < ${`${sweepId};`}
          ORDER BY request_id
          LIMIT ${limit + 1}`,
      );
      const page = rows.slice(0, limit).map(toRunRecord);
      const last = page[page.length - 1];
      const nextPageToken =
        rows.length > limit && last?.requestId ? encodeRunsToken(sweepId, last.requestId) : '';
      return { items: page, nextPageToken } satisfies Page<RunRecord>;
    },
  };
}

function toSweepRecord(row: Sweep): SweepRecord {
  return {
    id: row.id,
    project: row.project,
    requestId: row.requestId,
    name: row.name,
    spec: row.spec as Readonly<Record<string, unknown>>,
    createdAt: row.createdAt,
  };
}

/** Opaque token: the last request id of the page, bound to the sweep it pages through. */
function encodeRunsToken(sweepId: string, requestId: string): string {
  return Buffer.from(JSON.stringify({ s: sweepId, r: requestId }), 'utf8').toString('base64url');
}

function decodeRunsToken(token: string, sweepId: string): string | null {
  if (token === '') return null;
  const bad = () => invalidArgument('page_token', token, 'a next_page_token returned for the same sweep');
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  const { s, r } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (s !== sweepId || typeof r !== 'string' || !r.startsWith(`${sweepId}:`) || !isUuid(sweepId)) throw bad();
  return r;
}
