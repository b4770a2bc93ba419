import type { RunStatus } from '../core/index.js';
import type { Store } from '../store/types.js';
import type { TrainerRegistry } from '../trainers/index.js';
import type { LiveHub } from './hub.js';
import type { RunMetrics } from './metrics.js';
import type { MetricSink } from './sink.js';

/** The logger the scheduler writes to; a pino logger fits. */
export interface RunLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** What a `RunExecution` (`execution.ts`) writes to and asks while it follows a run's attempt. */
export interface ExecutionDeps {
  readonly store: Store;
  readonly sink: MetricSink;
  readonly hub: LiveHub;
  readonly metrics: RunMetrics;
  readonly logger: RunLogger;
  readonly owner: string;
  readonly progressIntervalMs: number;
  /** Attempts a run gets when an attempt ends RETRY (device lost), as for a replica crash. */
  readonly maxAttempts: number;
  /** Tells other replicas the run ended (`notify.ts`). Default: nobody. */
  readonly announce?: (runId: string, status: RunStatus) => void;
  /** The service's trainers, for the throughput metric's examples per step. Default: the built-ins. */
  readonly trainers?: TrainerRegistry;
  /**
   * Judges the run at a rung gate (`early-stop.ts`): resolves true when it is to stop there. Absent:
   * every gate opens at once (the run has none).
   */
  readonly judge?: (step: number, value: number) => Promise<boolean>;
}

/** Why the scheduler stopped a run itself (the worker's outcome says how it ended). */
export type StopReason = 'lease-lost' | 'shutdown';
