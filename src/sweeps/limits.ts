/** Hard limits of a sweep, checked by `compileSweep` before anything is queued. */
export const SWEEP_LIMITS = {
  /** Runs in all: cells × seeds × arms. */
  maxRuns: 10_000,
  maxAxes: 8,
  maxValuesPerAxis: 1000,
  maxValueLength: 64,
  maxSeeds: 1000,
  maxThresholds: 16,
  /** Metrics a restart selection reports. */
  maxReportMetrics: 16,
  maxNameLength: 128,
  maxMetricLength: 128,
  /** Labels on a run (template + sweep + the 4 reserved ones), as for any run. */
  maxLabels: 32,
  /** A cell key is a label value. */
  maxCellKeyLength: 256,
} as const;
