import { invalidArgument } from '../core/index.js';
import type { SweepSelection__Output } from '../generated/proto/gradnoise/v1/SweepSelection.js';
import type { SweepSelectionReport } from '../generated/proto/gradnoise/v1/SweepSelectionReport.js';
import { type RequestedSelection, type SelectionReport, SWEEP_LIMITS } from '../sweeps/index.js';
import { enumValue, shortString } from './fields.js';

const MODE = { OBJECTIVE_MODE_MAX: 'max', OBJECTIVE_MODE_MIN: 'min' } as const;
const MODE_NAME = { max: 'OBJECTIVE_MODE_MAX', min: 'OBJECTIVE_MODE_MIN' } as const;

/**
 * The wire form of restart selection (GetSweepRequest.selection, SweepReport.selection). Decoding
 * only translates; `compileSelection` in the sweeps module checks names, counts and repeats.
 */
export function decodeSelection(selection: SweepSelection__Output): RequestedSelection {
  if (selection.reportMetrics.length > SWEEP_LIMITS.maxReportMetrics) {
    throw invalidArgument(
      'selection.report_metrics',
      `${selection.reportMetrics.length} metrics`,
      `at most ${SWEEP_LIMITS.maxReportMetrics}`,
    );
  }
  const mode = enumValue('selection.mode', selection.mode, MODE, 'OBJECTIVE_MODE_UNSPECIFIED');
  return {
    metric: shortString('selection.metric', selection.metric, SWEEP_LIMITS.maxMetricLength),
    reportMetrics: selection.reportMetrics,
    ...(mode === undefined ? {} : { mode }),
  };
}

export function encodeSelectionReport(report: SelectionReport): SweepSelectionReport {
  const { selection } = report;
  return {
    selection: {
      metric: selection.metric,
      mode: MODE_NAME[selection.mode],
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
