import type { SweepSelection__Output } from '../generated/proto/gradnoise/v1/SweepSelection.js';
import type { SweepSelectionReport } from '../generated/proto/gradnoise/v1/SweepSelectionReport.js';
import { type RequestedSelection, type SelectionReport, SWEEP_LIMITS } from '../sweeps/index.js';
import { shortString } from './fields.js';
import { decodeMode, OBJECTIVE_MODE_NAME } from './objective-mode.js';

/**
 * The wire form of restart selection (GetSweepRequest.selection, SweepReport.selection). Decoding
 * only translates; `compileSelection` in the sweeps module checks names, counts and repeats.
 */
export function decodeSelection(selection: SweepSelection__Output): RequestedSelection {
  return {
    metric: shortString('selection.metric', selection.metric, SWEEP_LIMITS.maxMetricLength),
    reportMetrics: selection.reportMetrics,
    ...decodeMode('selection.mode', selection.mode),
  };
}

export function encodeSelectionReport(report: SelectionReport): SweepSelectionReport {
  const { selection } = report;
  return {
    selection: {
      metric: selection.metric,
      mode: OBJECTIVE_MODE_NAME[selection.mode],
      reportMetrics: [...selection.reportMetrics],
    },
    rows: report.rows.map((row) => ({
      cell: row.cell,
      arm: row.arm,
      runs: row.runs,
      candidates: row.candidates,
      runId: row.runId ?? '',
      seed: String(row.seed ?? 0),
      ...(row.selectionValue === null ? {} : { selectionValue: row.selectionValue }),
      values: { ...row.values },
    })),
    totals: report.totals.map((total) => ({ arm: total.arm, cells: total.cells, means: { ...total.means } })),
  };
}
