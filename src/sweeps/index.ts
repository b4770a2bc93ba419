/**
 * Sweeps: a grid of configurations × seeds × {no noise, noise}, queued as ordinary runs, and the
 * paper-style report comparing the two arms (§4.1 Table 1, §4.5 Table 5). Depends on `runs` (run
 * compilation) and the `store` contract; nothing here knows about gRPC.
 */
export { checkEachValue, compileAxes, relabel } from './axes.js';
export { compileSweep, withoutNoise } from './compile-sweep.js';
export { compileDistribution, sampleText } from './distribution.js';
export {
  compileEarlyStopping,
  DEFAULT_REDUCTION_FACTOR,
  MAX_REDUCTION_FACTOR,
} from './early-stopping.js';
export {
  axisNames,
  BASE_CELL,
  cellCount,
  cellKey,
  expandCells,
  sweepCells,
  trialCells,
  trialKey,
} from './grid.js';
export { SWEEP_LIMITS } from './limits.js';
export { listSweeps, type SweepSummary, summarizeSweep, sweepSpec } from './list-sweeps.js';
export { checkMetricName, DEFAULT_METRIC, defaultMode } from './objective.js';
export {
  describeSweep,
  listSweepRuns,
  type SweepReads,
  type SweepView,
  sweepCurves,
} from './read-sweep.js';
export { ALL_CELLS, buildReport, type ReportRow, type RunOutcome, type SweepReport } from './report.js';
export {
  RESERVED_LABEL_KEYS,
  type RunPlace,
  runLabels,
  runPlace,
  runRequestId,
  SWEEP_LABELS,
} from './run-labels.js';
export { type CompiledSearch, checkDistributions, compileSearch } from './search.js';
export {
  compileSelection,
  type RequestedSelection,
  type RunFinals,
  type SelectedRow,
  type SelectedTotal,
  type Selection,
  type SelectionReport,
  selectRestarts,
} from './selection.js';
export { type SweepDeps, startSweep } from './start-sweep.js';
export { checkMaxPoints, DEFAULT_CURVE_POINTS, MAX_CURVE_POINTS, thinCurve } from './thin.js';
export {
  ARMS,
  type Arm,
  type AxisAssignment,
  type AxisField,
  type AxisValue,
  type Distribution,
  type DistributionKind,
  type Objective,
  type ObjectiveMode,
  type PlannedRun,
  type RequestedDistribution,
  type RequestedEarlyStopping,
  type RequestedObjective,
  type RunTemplate,
  type SweepAxis,
  type SweepCell,
  type SweepCurve,
  type SweepPlan,
  type SweepRequest,
  type SweepSpec,
} from './types.js';
