import { storedRunSpec } from '../core/index.js';
import type { Run } from '../generated/prisma/client.js';
import { Prisma } from '../generated/prisma/client.js';
import type { RunRecord } from './types.js';

/**
 * The `runs` columns under the Prisma model's field names, so raw queries (`RETURNING`, the
 * queue claim, keyset listing) yield {@link RunRow}s and share one mapper.
 */
export const RUN_COLUMN_LIST = [
  'id',
  'project',
  'request_id AS "requestId"',
  'trainer',
  'display_name AS "displayName"',
  'spec',
  'status',
  'labels',
  'backend',
  'device',
  'attempt',
  'error',
  'end_reason AS "endReason"',
  'current_step AS "currentStep"',
  'cancel_requested AS "cancelRequested"',
  'owner',
  'lease_expires_at AS "leaseExpiresAt"',
  'sweep_id AS "sweepId"',
  'created_at AS "createdAt"',
  'updated_at AS "updatedAt"',
  'started_at AS "startedAt"',
  'finished_at AS "finishedAt"',
  'init_from_run_id AS "initFromRunId"',
  'init_from_step AS "initFromStep"',
  'init_from_mode AS "initFromMode"',
].join(', ');

/** {@link RUN_COLUMN_LIST} for Prisma's tagged raw queries. */
export const RUN_COLUMNS = Prisma.raw(RUN_COLUMN_LIST);

/**
 * A `runs` row as {@link RUN_COLUMN_LIST} selects it: every field but the queue position, which
 * only the claim's ORDER BY reads (and which `pg` would return as text, Prisma as a bigint).
 */
export type RunRow = Omit<Run, 'queueSeq'>;

/** Maps a stored row to the contract type. `spec` and `labels` are trusted: only we write them. */
export function toRunRecord(row: RunRow): RunRecord {
  return {
    id: row.id,
    project: row.project,
    requestId: row.requestId,
    trainer: row.trainer,
    displayName: row.displayName,
    spec: storedRunSpec(row.spec),
    status: row.status,
    labels: row.labels as Readonly<Record<string, string>>,
    backend: row.backend,
    device: row.device,
    attempt: row.attempt,
    error: row.error,
    endReason: row.endReason,
    currentStep: row.currentStep,
    cancelRequested: row.cancelRequested,
    owner: row.owner,
    leaseExpiresAt: row.leaseExpiresAt,
    sweepId: row.sweepId,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    initFrom:
      row.initFromRunId === null || row.initFromStep === null || row.initFromMode === null
        ? null
        : { runId: row.initFromRunId, step: row.initFromStep, mode: row.initFromMode },
  };
}
