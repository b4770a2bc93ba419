import type { RungDecision, RungEntry } from '../core/index.js';
import { notFound } from '../core/index.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { translateErrors } from './errors.js';
import type { SweepRepository } from './sweep-types.js';
import { isUuid } from './uuid.js';

type SweepRungs = Pick<SweepRepository, 'judgeRung' | 'stoppedEarly'>;

/**
 * The ASHA rungs of sweeps (`sweep_rung_entries`). A judgement is one transaction that first locks
 * the sweep's row (`FOR UPDATE`), so the decisions of one sweep are serialised across replicas:
 * each sees every entry committed before it, and a report seen twice (by two replicas, or again by
 * a resumed attempt) finds its first decision in the entries instead of making another.
 */
export function createSweepRungs(prisma: PrismaClient): SweepRungs {
  return {
    async judgeRung(sweepId, decide) {
      if (!isUuid(sweepId)) throw notFound('sweep', sweepId);
      return translateErrors('sweep', sweepId, () =>
        prisma.$transaction(async (tx) => {
          const locked = await tx.$queryRaw<{ id: string }[]>`
            SELECT id::text AS id FROM sweeps WHERE id = ${sweepId}::uuid FOR UPDATE`;
          if (locked.length === 0) throw notFound('sweep', sweepId);
          const rows = await tx.sweepRungEntry.findMany({ where: { sweepId } });
          const decision: RungDecision = decide(rows.map(toEntry));
          const { entry } = decision;
          if (entry !== null) {
            await tx.sweepRungEntry.create({
              data: {
                sweepId,
                runId: entry.runId,
                arm: entry.arm,
                rung: entry.rung,
                step: entry.step,
                value: Number.isFinite(entry.value) ? entry.value : null,
                stop: entry.stop,
              },
            });
          }
          return decision;
        }),
      );
    },

    async stoppedEarly(runId) {
      if (!isUuid(runId)) return false;
      const found = await translateErrors('run', runId, () =>
        prisma.sweepRungEntry.findFirst({ where: { runId, stop: true }, select: { rung: true } }),
      );
      return found !== null;
    },
  };
}

function toEntry(row: {
  readonly runId: string;
  readonly arm: string;
  readonly rung: number;
  readonly step: number;
  readonly value: number | null;
  readonly stop: boolean;
}): RungEntry {
  return {
    runId: row.runId,
    arm: row.arm,
    rung: row.rung,
    step: row.step,
    value: row.value ?? Number.NaN,
    stop: row.stop,
  };
}
