import type { RunStatus } from '../core/index.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { Prisma } from '../generated/prisma/client.js';
import { translateErrors } from './errors.js';
import type { SweepCurvePoint, SweepRepository, SweepRunFinals, SweepRunOutcome } from './types.js';

type SweepResults = Pick<SweepRepository, 'outcomes' | 'finals' | 'curves'>;

// Finite values only: PostgreSQL orders NaN above every number, so max() would pick it.
const FINITE = Prisma.sql`value NOT IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8)`;

/**
 * The queries behind a sweep's report and curves. The report and the curves are one aggregate
 * query each, whatever the number of runs: the objective of every run is a `max`/`min` over its
 * points of one metric, and its last loss comes from a backward scan of the primary key
 * (run_id, step, name) that stops at the first `loss` point.
 */
export function createSweepResults(prisma: PrismaClient): SweepResults {
  return {
    async outcomes(sweepId: string, metric: string, mode: 'max' | 'min') {
      const best = mode === 'max' ? Prisma.sql`max(value)` : Prisma.sql`min(value)`;
      const rows = await translateErrors(
        'sweep',
        sweepId,
        () => prisma.$queryRaw<OutcomeRow[]>`
          SELECT ${RUN_PLACE},
                 m.best, m.final,
                 coalesce(l.value IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8), false)
                   AS "lossNonFinite"
          FROM runs r
          LEFT JOIN LATERAL (
            SELECT ${best} AS best, (array_agg(value ORDER BY step DESC))[1] AS final
            FROM metric_points WHERE run_id = r.id AND name = ${metric} AND ${FINITE}
          ) m ON true
          LEFT JOIN LATERAL (
            SELECT value FROM metric_points WHERE run_id = r.id AND name = 'loss'
            ORDER BY step DESC LIMIT 1
          ) l ON true
          WHERE r.sweep_id = ${sweepId}::uuid
          ORDER BY r.request_id`,
      );
      return rows.map(
        (row): SweepRunOutcome => ({
          ...placeOf(row),
          best: row.best,
          final: row.final,
          lossNonFinite: row.lossNonFinite,
        }),
      );
    },

    async finals(sweepId: string, metrics: readonly string[]) {
      // One backward scan of the primary key (run_id, step, name) per run and metric, stopping at
      // the first finite point.
      const rows = await translateErrors(
        'sweep',
        sweepId,
        () => prisma.$queryRaw<FinalsRow[]>`
          SELECT ${RUN_PLACE},
                 coalesce(f.vals, '{}'::jsonb) AS vals
          FROM runs r
          LEFT JOIN LATERAL (
            SELECT jsonb_object_agg(n.name, v.value) AS vals
            FROM unnest(${[...metrics]}::text[]) AS n(name)
            CROSS JOIN LATERAL (
              SELECT value FROM metric_points
              WHERE run_id = r.id AND name = n.name AND ${FINITE}
              ORDER BY step DESC LIMIT 1
            ) v
          ) f ON true
          WHERE r.sweep_id = ${sweepId}::uuid
          ORDER BY r.request_id`,
      );
      return rows.map(
        (row): SweepRunFinals => ({
          ...placeOf(row),
          values: row.vals,
        }),
      );
    },

    async curves(sweepId: string, metric: string) {
      return translateErrors(
        'sweep',
        sweepId,
        () => prisma.$queryRaw<SweepCurvePoint[]>`
          SELECT coalesce(r.labels->>'sweep_cell', '') AS cell,
                 coalesce(r.labels->>'sweep_arm', '') AS arm,
                 m.step, avg(m.value) AS mean, min(m.value) AS min, max(m.value) AS max,
                 count(*)::int AS runs
          FROM runs r JOIN metric_points m ON m.run_id = r.id
          WHERE r.sweep_id = ${sweepId}::uuid AND m.name = ${metric} AND ${FINITE}
          GROUP BY 1, 2, 3
          ORDER BY 1, 2, 3`,
      );
    },
  };
}

/** A sweep run's id, status and place in the grid (its labels), as the queries select them. */
const RUN_PLACE = Prisma.sql`r.id AS "runId", r.status::text AS status,
  coalesce(r.labels->>'sweep_cell', '') AS cell,
  coalesce(r.labels->>'sweep_arm', '') AS arm,
  coalesce(r.labels->>'seed', '0') AS seed`;

interface PlaceRow {
  readonly runId: string;
  readonly status: RunStatus;
  readonly cell: string;
  readonly arm: string;
  readonly seed: string;
}

function placeOf(row: PlaceRow) {
  return { runId: row.runId, status: row.status, cell: row.cell, arm: row.arm, seed: Number(row.seed) };
}

interface FinalsRow extends PlaceRow {
  readonly vals: Record<string, number>;
}

interface OutcomeRow extends PlaceRow {
  readonly best: number | null;
  readonly final: number | null;
  readonly lossNonFinite: boolean;
}
