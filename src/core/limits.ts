/**
 * Hard limits on a run's budget, seed, labels and display name (see `docs/operations.md`), checked
 * when a request is decoded or compiled into a `RunSpec` and by every layer that accepts one
 * (sweeps, UpdateRun, the CLI).
 */
export const LIMITS = {
  maxSteps: 10_000_000,
  maxEpochs: 100_000,
  maxSeed: 0xffff_ffff,
  /** Label pairs on one run, whether set by StartRun, a sweep or UpdateRun. */
  maxLabels: 32,
  /** Characters of a label value (a key is 1-63 characters of [A-Za-z0-9_.-/]). */
  maxLabelValueLength: 256,
  /** Characters of a run's display name. */
  maxDisplayNameLength: 128,
} as const;
