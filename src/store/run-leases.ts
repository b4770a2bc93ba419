import { failedPrecondition, invalidArgument, notFound } from '../core/index.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { translateErrors } from './errors.js';
import { RUN_COLUMNS, type RunRow, toRunRecord } from './run-record.js';
import type { RunRepository } from './types.js';
import { isUuid } from './uuid.js';

type RunLeases = Pick<
  RunRepository,
  'claimNext' | 'renewLeases' | 'recoverExpired' | 'updateProgress' | 'finish' | 'release' | 'retry'
>;

/**
 * The worker-facing half of {@link RunRepository}: the queue and its leases. Lease times come
 * from the database clock (`now()`), so replicas with skewed clocks agree on who holds a run.
 * Every write by a worker is guarded by `owner = $owner AND status = 'RUNNING'`: a replica
 * whose lease expired and was taken over can no longer touch the run.
 */
export function createRunLeases(prisma: PrismaClient): RunLeases {
  /** Why a guarded write matched nothing: the run is gone, or `owner` no longer holds it. */
  const notHeld = async (id: string, owner: string): Promise<never> => {
    const run = await translateErrors('run', id, () =>
      prisma.run.findUnique({ where: { id }, select: { status: true, owner: true } }),
    );
    if (run === null) throw notFound('run', id);
    throw failedPrecondition(
      `run ${id} is not held by ${owner} (status ${run.status}, owner ${run.owner ?? 'none'})`,
    );
  };

  return {
    async claimNext(owner: string, leaseMs: number, trainers?: readonly string[]) {
      checkLease(leaseMs);
      const only = trainers === undefined ? null : [...trainers];
      // SKIP LOCKED: concurrent claimers each lock a different queued row instead of queueing
      // behind one, so no run is handed out twice.
      const rows = await translateErrors(
        'run queue',
        '',
        () => prisma.$queryRaw<RunRow[]>`
          UPDATE runs SET
            status = 'RUNNING', attempt = attempt + 1, owner = ${owner},
            lease_expires_at = now() + ${leaseMs}::float8 * interval '1 millisecond',
            started_at = coalesce(started_at, now()), updated_at = now()
          WHERE id = (
            SELECT id FROM runs WHERE status = 'QUEUED'
              AND (${only}::text[] IS NULL OR trainer = ANY(${only}::text[]))
            ORDER BY queue_seq LIMIT 1
            FOR UPDATE SKIP LOCKED)
          RETURNING ${RUN_COLUMNS}`,
      );
      const row = rows[0];
      return row === undefined ? null : toRunRecord(row);
    },

    async renewLeases(owner: string, ids: readonly string[], leaseMs: number) {
      checkLease(leaseMs);
      const valid = ids.filter(isUuid);
      if (valid.length === 0) return [];
      const rows = await translateErrors(
        'run leases',
        '',
        () => prisma.$queryRaw<{ id: string }[]>`
          UPDATE runs SET lease_expires_at = now() + ${leaseMs}::float8 * interval '1 millisecond',
            updated_at = now()
          WHERE id = ANY(${valid}::uuid[]) AND owner = ${owner} AND status = 'RUNNING'
          RETURNING id`,
      );
      return rows.map((r) => r.id);
    },

    async recoverExpired(maxAttempts: number) {
      if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
        throw invalidArgument('maxAttempts', maxAttempts, 'an integer >= 1');
      }
      // A run whose cancel was requested is not run again: it ends CANCELLED.
      const rows = await translateErrors(
        'run leases',
        '',
        () => prisma.$queryRaw<{ status: string }[]>`
          WITH expired AS (
            SELECT id FROM runs
            WHERE status = 'RUNNING' AND lease_expires_at < now()
            FOR UPDATE SKIP LOCKED)
          UPDATE runs r SET
            status = (CASE WHEN r.cancel_requested THEN 'CANCELLED'
                           WHEN r.attempt >= ${maxAttempts} THEN 'FAILED'
                           ELSE 'QUEUED' END)::"RunStatus",
            error = CASE WHEN NOT r.cancel_requested AND r.attempt >= ${maxAttempts}
                         THEN format('lease of %s expired on attempt %s of %s', r.owner, r.attempt, ${maxAttempts}::int)
                         ELSE r.error END,
            finished_at = CASE WHEN r.cancel_requested OR r.attempt >= ${maxAttempts} THEN now() END,
            owner = NULL, lease_expires_at = NULL, updated_at = now()
          FROM expired WHERE r.id = expired.id
          RETURNING r.status::text AS status`,
      );
      const count = (status: string) => rows.filter((r) => r.status === status).length;
      return { requeued: count('QUEUED'), failed: count('FAILED'), cancelled: count('CANCELLED') };
    },

    async updateProgress(
      id: string,
      owner: string,
      step: number,
      backend: string,
      device: string | null = null,
    ) {
      if (!Number.isInteger(step) || step < 0 || step > 2 ** 31 - 1) {
        throw invalidArgument('step', step, 'an integer in [0, 2^31 - 1]');
      }
      const updated = await translateErrors(
        'run',
        id,
        () => prisma.$executeRaw`
          UPDATE runs SET current_step = ${step}, backend = ${backend}, device = ${device}, updated_at = now()
          WHERE id = ${id}::uuid AND owner = ${owner} AND status = 'RUNNING'`,
      );
      if (updated === 0) await notHeld(id, owner);
    },

    async finish(id, owner, status, error, endReason = 'BUDGET') {
      const reason = status === 'COMPLETED' ? endReason : null;
      const rows = await translateErrors(
        'run',
        id,
        () => prisma.$queryRaw<RunRow[]>`
          UPDATE runs SET status = ${status}::"RunStatus", error = ${error},
            end_reason = ${reason}::"RunEndReason", finished_at = now(),
            owner = NULL, lease_expires_at = NULL, updated_at = now()
          WHERE id = ${id}::uuid AND owner = ${owner} AND status = 'RUNNING'
          RETURNING ${RUN_COLUMNS}`,
      );
      const row = rows[0];
      return row === undefined ? notHeld(id, owner) : toRunRecord(row);
    },

    async release(id: string, owner: string) {
      const updated = await translateErrors(
        'run',
        id,
        () => prisma.$executeRaw`
          UPDATE runs SET
            status = (CASE WHEN cancel_requested THEN 'CANCELLED' ELSE 'QUEUED' END)::"RunStatus",
            finished_at = CASE WHEN cancel_requested THEN now() END,
            owner = NULL, lease_expires_at = NULL, updated_at = now()
          WHERE id = ${id}::uuid AND owner = ${owner} AND status = 'RUNNING'`,
      );
      if (updated === 0) await notHeld(id, owner);
    },

    async retry(id: string, owner: string, error: string, maxAttempts: number) {
      if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
        throw invalidArgument('maxAttempts', maxAttempts, 'an integer >= 1');
      }
      const rows = await translateErrors(
        'run',
        id,
        () => prisma.$queryRaw<RunRow[]>`
          UPDATE runs SET
            status = (CASE WHEN cancel_requested THEN 'CANCELLED'
                           WHEN attempt >= ${maxAttempts} THEN 'FAILED'
                           ELSE 'QUEUED' END)::"RunStatus",
            error = format('attempt %s of %s: %s', attempt, ${maxAttempts}::int, ${error}::text),
            finished_at = CASE WHEN cancel_requested OR attempt >= ${maxAttempts} THEN now() END,
            owner = NULL, lease_expires_at = NULL, updated_at = now()
          WHERE id = ${id}::uuid AND owner = ${owner} AND status = 'RUNNING'
          RETURNING ${RUN_COLUMNS}`,
      );
      const row = rows[0];
      return row === undefined ? notHeld(id, owner) : toRunRecord(row);
    },
  };
}

function checkLease(leaseMs: number): void {
  if (!Number.isFinite(leaseMs) || leaseMs <= 0) throw invalidArgument('leaseMs', leaseMs, 'a number > 0');
}
