import type { Arm, PlannedRun, SweepSpec } from './types.js';

/** Label keys every sweep run carries; clients may not set them. */
export const SWEEP_LABELS = {
  sweepId: 'sweep_id',
  cell: 'sweep_cell',
  arm: 'sweep_arm',
  seed: 'seed',
} as const;

export const RESERVED_LABEL_KEYS: readonly string[] = Object.values(SWEEP_LABELS);

/**
 * Labels of one run: the template's, then the sweep's, then the reserved ones (`sweep_id`,
 * `sweep_cell`, `sweep_arm`, `seed`), so ListRuns can filter on any of them.
 */
export function runLabels(spec: SweepSpec, sweepId: string, run: PlannedRun): Record<string, string> {
  return {
    ...spec.baseLabels,
    ...spec.labels,
    [SWEEP_LABELS.sweepId]: sweepId,
    [SWEEP_LABELS.cell]: run.cell,
    [SWEEP_LABELS.arm]: run.arm,
    [SWEEP_LABELS.seed]: String(run.seed),
  };
}

/**
 * Request id of a sweep run: the sweep id and the run's zero-padded grid index. Unique per
 * (project, request id), so a sweep can never hold two runs at one grid position, and ordering by
 * it lists a sweep's runs in grid order on the existing unique index.
 */
export function runRequestId(sweepId: string, index: number): string {
  return `${sweepId}:${String(index).padStart(5, '0')}`;
}

/** Where a stored run sits in its sweep, read back from its labels. */
export interface RunPlace {
  readonly cell: string;
  readonly arm: Arm;
  readonly seed: number;
}

export function runPlace(labels: Readonly<Record<string, string>>): RunPlace {
  return {
    cell: labels[SWEEP_LABELS.cell] ?? '',
    arm: labels[SWEEP_LABELS.arm] === 'noise' ? 'noise' : 'no_noise',
    seed: Number(labels[SWEEP_LABELS.seed] ?? 0),
  };
}
