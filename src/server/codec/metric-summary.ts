import type { MetricSummary as WireMetricSummary } from '../../generated/proto/gradnoise/v1/MetricSummary.js';
import type { MetricSummary } from '../../store/types.js';

/** A stored summary for the wire; a missing finite pair stays unset (null). */
export function encodeMetricSummary(summary: MetricSummary): WireMetricSummary {
  return {
    name: summary.name,
    count: summary.count,
    nonFiniteCount: summary.nonFiniteCount,
    last: summary.last,
    lastFinite: summary.lastFinite,
    min: summary.min,
    max: summary.max,
  };
}
