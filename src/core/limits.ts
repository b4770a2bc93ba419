/**
 * Hard limits on a run's budget and seed (see `docs/operations.md`), checked when a request is
 * compiled into a `RunSpec` and by every layer that accepts one (sweeps, the CLI).
 */
export const LIMITS = {
  maxSteps: 10_000_000,
  maxEpochs: 100_000,
  maxSeed: 0xffff_ffff,
} as const;
