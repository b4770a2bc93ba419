import type { Timestamp } from '../../generated/proto/google/protobuf/Timestamp.js';
import type { Run } from '../../generated/proto/gradnoise/v1/Run.js';
import type { RunRecord } from '../../store/types.js';
import { encodeSpec } from './start-run.js';

/** google.protobuf.Timestamp of a Date; null stays unset. */
export function timestamp(date: Date | null): Timestamp | null {
  if (date === null) return null;
  const ms = date.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds: String(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
}

/** Encodes a stored run for the wire. */
export function encodeRun(run: RunRecord): Run {
  return {
    id: run.id,
    status: run.status,
    trainer: run.trainer,
    spec: encodeSpec(run.spec, { labels: { ...run.labels }, requestId: run.requestId ?? '' }),
    labels: { ...run.labels },
    requestId: run.requestId ?? '',
    backend: run.backend ?? '',
    attempt: run.attempt,
    error: run.error ?? '',
    currentStep: run.currentStep,
    cancelRequested: run.cancelRequested,
    sweepId: run.sweepId ?? '',
    createdAt: timestamp(run.createdAt),
    startedAt: timestamp(run.startedAt),
    finishedAt: timestamp(run.finishedAt),
  };
}
