import { type RunStatus, TERMINAL_STATUSES } from '../core/index.js';
import type { Notifications } from '../store/types.js';
import type { RunLogger } from './execution-deps.js';

/**
 * The messages replicas send each other through PostgreSQL NOTIFY, so a replica that does not train
 * a run can still stream its metrics live. Payloads are pointers, never data (PostgreSQL caps a
 * payload at 8000 bytes): the receiver reads what changed from the tables.
 *
 * | channel             | payload                 | meaning                                            |
 * |---------------------|-------------------------|----------------------------------------------------|
 * | `gradnoise_metrics` | `<run id> <step>`       | every point of the run up to `step` is stored      |
 * | `gradnoise_runs`    | `<run id> <status>`     | the run is now COMPLETED, FAILED or CANCELLED      |
 * | `gradnoise_runs`    | `<run id> cancel`       | cancel was requested (for the replica training it) |
 *
 * Delivery is at most once: a listener that was disconnected misses what was sent meanwhile, so
 * every consumer also polls (see `watch.ts`) and catches up when it is listening again.
 */
export const METRICS_CHANNEL = 'gradnoise_metrics';
export const RUNS_CHANNEL = 'gradnoise_runs';

export type RunNotice =
  | { readonly kind: 'stored'; readonly runId: string; readonly step: number }
  | { readonly kind: 'status'; readonly runId: string; readonly status: RunStatus }
  | { readonly kind: 'cancel'; readonly runId: string };

const RUN_ID = /^[0-9a-f-]{36}$/;
const TERMINAL: readonly RunStatus[] = [...TERMINAL_STATUSES];

export function encodeNotice(notice: RunNotice): { channel: string; payload: string } {
  switch (notice.kind) {
    case 'stored':
      return { channel: METRICS_CHANNEL, payload: `${notice.runId} ${notice.step}` };
    case 'status':
      return { channel: RUNS_CHANNEL, payload: `${notice.runId} ${notice.status}` };
    case 'cancel':
      return { channel: RUNS_CHANNEL, payload: `${notice.runId} cancel` };
  }
}

/** The notice in a payload; null for anything this version does not understand (ignored). */
export function decodeNotice(channel: string, payload: string): RunNotice | null {
  const [runId, what, ...rest] = payload.split(' ');
  if (runId === undefined || what === undefined || rest.length > 0 || !RUN_ID.test(runId)) return null;
  if (channel === METRICS_CHANNEL) {
    const step = Number(what);
    return /^\d+$/.test(what) && Number.isSafeInteger(step) ? { kind: 'stored', runId, step } : null;
  }
  if (channel !== RUNS_CHANNEL) return null;
  if (what === 'cancel') return { kind: 'cancel', runId };
  const status = TERMINAL.find((s) => s === what);
  return status === undefined ? null : { kind: 'status', runId, status };
}

/**
 * Sends notices without making anyone wait: training and the metric sink never block on NOTIFY, and
 * a failed NOTIFY only delays remote watchers until their next poll. Stored-step notices of one
 * flush go out in one statement.
 */
export class RunNotifier {
  private failing = false;

  constructor(
    private readonly notifications: Notifications,
    private readonly logger: RunLogger,
  ) {}

  /** Every point up to `step` of each run is stored (the metric sink calls this after a flush). */
  stored(steps: ReadonlyMap<string, number>): void {
    const payloads = [...steps].map(([runId, step]) => encodeNotice({ kind: 'stored', runId, step }).payload);
    this.send(METRICS_CHANNEL, payloads);
  }

  /** The run reached a terminal status. */
  finished(runId: string, status: RunStatus): void {
    if (!TERMINAL.includes(status)) return;
    this.send(RUNS_CHANNEL, [encodeNotice({ kind: 'status', runId, status }).payload]);
  }

  /** These runs all reached the terminal `status` (one statement for all of them). */
  finishedAll(runIds: readonly string[], status: RunStatus): void {
    if (!TERMINAL.includes(status)) return;
    this.send(
      RUNS_CHANNEL,
      runIds.map((runId) => encodeNotice({ kind: 'status', runId, status }).payload),
    );
  }

  /** Cancel was requested here for runs training elsewhere (one statement for all of them). */
  cancelRequested(runIds: readonly string[]): void {
    this.send(
      RUNS_CHANNEL,
      runIds.map((runId) => encodeNotice({ kind: 'cancel', runId }).payload),
    );
  }

  private send(channel: string, payloads: readonly string[]): void {
    if (payloads.length === 0) return;
    this.notifications.notify(channel, payloads).then(
      () => {
        this.failing = false;
      },
      (error: unknown) => {
        // One line per outage, not one per flush.
        if (!this.failing) this.logger.warn({ err: error, channel }, 'NOTIFY failed; remote watchers poll');
        this.failing = true;
      },
    );
  }
}
