import type { Timestamp } from '../../generated/proto/google/protobuf/Timestamp.js';
import type { Run } from '../../generated/proto/gradnoise/v1/Run.js';
import { wireRunStatus } from '../../protocol/index.js';
import type { MetricSummary, RunRecord } from '../../store/types.js';
import { encodeMetricSummary } from './metric-summary.js';
import { encodeInitFrom } from './run-checkpoints.js';
import { encodeSpec } from './start-run.js';

/** google.protobuf.Timestamp of a Date; null stays unset. */
export function timestamp(date: Date | null): Timestamp | null {
  return date === null ? null : timestampFromMs(date.getTime());
}

/**
 * A time in epoch milliseconds, to microseconds: stored metric times have µs resolution, and a
 * float8 count of epoch ms carries only about 0.2 µs of precision today, so anything finer is noise.
 */
export function timestampFromMs(ms: number): Timestamp {
  let seconds = Math.floor(ms / 1000);
  let micros = Math.round((ms - seconds * 1000) * 1000);
  if (micros === 1_000_000) {
    seconds += 1;
    micros = 0;
  }
  return { seconds, nanos: micros * 1000 };
}

/**
 * Encodes a stored run for the wire, with the summaries of its declared metrics (GetRun and
 * ListRuns pass them; the other answers carrying a Run leave them empty).
 */
export function encodeRun(run: RunRecord, summaries: readonly MetricSummary[] = []): Run {
  return {
    id: run.id,
    status: wireRunStatus(run.status),
    trainer: run.trainer,
    spec: encodeSpec(run.spec, {
      labels: { ...run.labels },
      requestId: run.requestId ?? '',
      displayName: run.displayName,
      initFrom: run.initFrom,
    }),
    labels: { ...run.labels },
    requestId: run.requestId ?? '',
    backend: run.backend ?? '',
    device: run.device ?? '',
    attempt: run.attempt,
    error: run.error ?? '',
    // A run completed by a replica older than end reasons (a rolling upgrade) spent its budget.
    endReason: endReason(run),
    currentStep: run.currentStep,
    cancelRequested: run.cancelRequested,
    sweepId: run.sweepId ?? '',
    createdAt: timestamp(run.createdAt),
    startedAt: timestamp(run.startedAt),
    finishedAt: timestamp(run.finishedAt),
    displayName: run.displayName,
    metricSummaries: summaries.map(encodeMetricSummary),
    initFrom: run.initFrom === null ? null : encodeInitFrom(run.initFrom),
  };
}

function endReason(
  run: RunRecord,
): 'RUN_END_REASON_UNSPECIFIED' | 'RUN_END_REASON_BUDGET' | 'RUN_END_REASON_SOLVED' {
  if (run.endReason !== null) return `RUN_END_REASON_${run.endReason}`;
  return run.status === 'COMPLETED' ? 'RUN_END_REASON_BUDGET' : 'RUN_END_REASON_UNSPECIFIED';
}
