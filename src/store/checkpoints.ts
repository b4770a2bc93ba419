import { invalidArgument, notFound } from '../errors/index.js';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import { translateErrors } from './errors.js';
import type { CheckpointMeta, CheckpointRepository } from './types.js';
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

/** Checkpoints: metadata columns beside the safetensors bytes in `bytea`, one row per (run, step). */
export function createCheckpointRepository(prisma: PrismaClient): CheckpointRepository {
  return {
    async save(meta, data) {
      checkStep(meta.step, false);
      if (meta.sizeBytes !== data.byteLength) {
        throw invalidArgument('sizeBytes', meta.sizeBytes, `the length of the data (${data.byteLength})`);
      }
      const fields = {
        sizeBytes: meta.sizeBytes,
        sha256: meta.sha256,
        format: meta.format,
        index: meta.index as Prisma.InputJsonValue,
        data: data as Uint8Array<ArrayBuffer>,
      };
      await translateErrors('run', meta.runId, () =>
        prisma.checkpoint.upsert({
          where: { runId_step: { runId: meta.runId, step: meta.step } },
          create: { runId: meta.runId, step: meta.step, ...fields },
          // A re-save of the same step (a retried attempt) replaces the old bytes.
          update: { ...fields, createdAt: new Date() },
        }),
      );
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
  };
}

function checkStep(step: number, zeroMeansLatest: boolean): void {
  if (!Number.isInteger(step) || step < 0 || step > 2 ** 31 - 1) {
    const allowed = 'an integer in [0, 2^31 - 1]';
    throw invalidArgument('step', step, zeroMeansLatest ? `${allowed} (0: the latest)` : allowed);
  }
}
