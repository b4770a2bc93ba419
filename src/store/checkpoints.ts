import type pg from 'pg';
import { invalidArgument, notFound } from '../core/index.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { saveAndPrune } from './checkpoint-retention.js';
import { translateErrors } from './errors.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './runs.js';
import { pgRunner } from './sql-runner.js';
import type { CheckpointMeta, CheckpointRepository, CheckpointSummary, Page } from './types.js';
import { isUuid } from './uuid.js';

const META = {
  runId: true,
  step: true,
  sizeBytes: true,
  sha256: true,
  format: true,
  index: true,
  createdAt: true,
} as const;

// A re-save of the same step (a retried attempt) replaces the old bytes. Creation time in whole
// milliseconds, as Prisma writes it.
const UPSERT = `
  INSERT INTO checkpoints (run_id, step, size_bytes, sha256, format, index, data, created_at)
  VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, date_trunc('milliseconds', clock_timestamp()))
  ON CONFLICT (run_id, step) DO UPDATE SET
    size_bytes = EXCLUDED.size_bytes, sha256 = EXCLUDED.sha256, format = EXCLUDED.format,
    index = EXCLUDED.index, data = EXCLUDED.data, created_at = EXCLUDED.created_at`;

const RANGE = `
  SELECT substring(data FROM $3::int4 FOR $4::int4) AS slice
  FROM checkpoints WHERE run_id = $1::uuid AND step = $2::int4 AND sha256 = $5`;

/**
 * Checkpoints: metadata columns beside the safetensors bytes in `bytea`, one row per (run, step).
 * A save with a retention prunes in the same transaction (`checkpoint-retention.ts`).
 * `save` goes through the raw `pool`: `pg` sends a Buffer as a binary parameter, while Prisma's
 * client held the event loop on each checkpoint of the paper's MLP long enough to show in
 * StartRun's tail latency (docs/benchmarks.md, "Figures behind the code").
 */
export function createCheckpointRepository(prisma: PrismaClient, pool: pg.Pool): CheckpointRepository {
  return {
    async list(runId, pageSize, pageToken) {
      if (!Number.isInteger(pageSize) || pageSize < 0) {
        throw invalidArgument('page_size', pageSize, `an integer >= 0 (0 means ${DEFAULT_PAGE_SIZE})`);
      }
      const limit = pageSize === 0 ? DEFAULT_PAGE_SIZE : Math.min(pageSize, MAX_PAGE_SIZE);
      const after = decodeStepToken(pageToken, runId);
      if (!isUuid(runId)) return { items: [], nextPageToken: '' };
      // A range of the primary key (run_id, step); the bytes are not read.
      const rows = await translateErrors('checkpoint of run', runId, () =>
        prisma.checkpoint.findMany({
          where: { runId, step: { gt: after } },
          orderBy: { step: 'asc' },
          take: limit + 1,
          select: { runId: true, step: true, sizeBytes: true, sha256: true, format: true, createdAt: true },
        }),
      );
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      const nextPageToken =
        rows.length > limit && last !== undefined ? encodeStepToken(runId, last.step) : '';
      return { items: page, nextPageToken } satisfies Page<CheckpointSummary>;
    },

    async save(meta, data, retention) {
      checkStep(meta.step, false);
      if (meta.sizeBytes !== data.byteLength) {
        throw invalidArgument('sizeBytes', meta.sizeBytes, `the length of the data (${data.byteLength})`);
      }
      const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      const values = [
        meta.runId,
        meta.step,
        meta.sizeBytes,
        meta.sha256,
        meta.format,
        JSON.stringify(meta.index),
        bytes,
      ];
      if (retention === undefined) {
        await translateErrors('run', meta.runId, () =>
          pool.query({ name: 'checkpoints.save', text: UPSERT, values }),
        );
        return { pruned: [] };
      }
      const pruned = await translateErrors('run', meta.runId, () =>
        saveAndPrune(pgRunner(pool), { text: UPSERT, values }, meta.runId, retention),
      );
      return { pruned };
    },

    async getMeta(runId, step) {
      checkStep(step, true);
      if (!isUuid(runId)) return null;
      const row = await translateErrors('checkpoint of run', runId, () =>
        prisma.checkpoint.findFirst({
          where: step === 0 ? { runId } : { runId, step },
          orderBy: { step: 'desc' },
          select: META,
        }),
      );
      return row === null
        ? null
        : ({ ...row, index: row.index as Record<string, unknown> } satisfies CheckpointMeta);
    },

    async getData(runId, step) {
      checkStep(step, false);
      const row = await translateErrors('checkpoint of run', runId, () =>
        prisma.checkpoint.findUnique({ where: { runId_step: { runId, step } }, select: { data: true } }),
      );
      if (row === null) throw notFound(`checkpoint at step ${step} of run`, runId);
      return row.data;
    },

    async getDataRange(runId, step, sha256, offset, length) {
      checkStep(step, false);
      for (const [field, value] of [
        ['offset', offset],
        ['length', length],
      ] as const) {
        // bytea holds at most 1 GiB, so offset + 1 stays within int4.
        if (!Number.isInteger(value) || value < 0 || value > 2 ** 30)
          throw invalidArgument(field, value, 'an integer in [0, 2^30]');
      }
      if (!isUuid(runId)) return null;
      // The column is stored uncompressed (migration 20261130010000), so PostgreSQL reads only
      // the slice's TOAST pieces; `pg` decodes the bytea's hex text to a Buffer natively. The hash
      // in the key makes every chunk of one download come from the same saved file.
      const result = await translateErrors('checkpoint of run', runId, () =>
        pool.query<{ slice: Buffer }>({
          name: 'checkpoints.range',
          text: RANGE,
          values: [runId, step, offset + 1, length, sha256],
        }),
      );
      return result.rows[0]?.slice ?? null;
    },
  };
}

function checkStep(step: number, zeroMeansLatest: boolean): void {
  if (!Number.isInteger(step) || step < 0 || step > 2 ** 31 - 1) {
    const allowed = 'an integer in [0, 2^31 - 1]';
    throw invalidArgument('step', step, zeroMeansLatest ? `${allowed} (0: the latest)` : allowed);
  }
}

/** Opaque token of ListCheckpoints: the last step of the page, bound to the run it pages through. */
function encodeStepToken(runId: string, step: number): string {
  return Buffer.from(JSON.stringify({ c: runId, s: step }), 'utf8').toString('base64url');
}

/** The step after which the page starts (-1 for the first page); INVALID_ARGUMENT on `page_token`. */
function decodeStepToken(token: string, runId: string): number {
  if (token === '') return -1;
  const bad = () => invalidArgument('page_token', token, 'a next_page_token returned for the same run_id');
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  const { c, s } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (c !== runId || typeof s !== 'number' || !Number.isInteger(s) || s < 0 || s > 2 ** 31 - 1) throw bad();
  return s;
}
