import type { GetRunMetricsResponse } from '../../generated/proto/gradnoise/v1/GetRunMetricsResponse.js';
import { wireRunStatus } from '../../protocol/index.js';
import type { RunMetricsPage } from '../../runs/index.js';
import { encodeMetricSummary } from './metric-summary.js';
import { timestampFromMs } from './run.js';

/** GetRunMetrics' answer: one page of points, the summaries and the run's status. */
export function encodeRunMetrics(page: RunMetricsPage): GetRunMetricsResponse {
  return {
    points: page.points.map((p) => ({
      step: p.step,
      name: p.name,
      value: p.value,
      time: timestampFromMs(p.timeMs),
    })),
    nextPageToken: page.nextPageToken,
    summaries: page.summaries.map(encodeMetricSummary),
    status: wireRunStatus(page.status),
  };
}
