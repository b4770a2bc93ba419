import type { MetricRepository } from '../store/types.js';
import type { RunExecution } from './execution.js';
import type { RunLogger } from './execution-deps.js';
import type { RunMetrics } from './metrics.js';
import type { RunNotifier } from './notify.js';
import type { CompiledRunSchedulerOptions } from './options.js';
import { MetricSink } from './sink.js';

/**
 * The replica's metric sink, wired to its observers: write latencies and dropped points go to the
 * run metrics (and a warning), a batch that failed after every retry is logged, and stored steps
 * are announced to the other replicas (`RunNotifier.stored`), whose watchers then re-read.
 */
export function createRunSink(
  store: MetricRepository,
  options: CompiledRunSchedulerOptions,
  metrics: RunMetrics,
  notifier: RunNotifier,
  logger: RunLogger,
): MetricSink {
  return new MetricSink(store, {
    flushIntervalMs: options.sinkFlushMs,
    maxBufferedPoints: options.sinkMaxBufferedPoints,
    maxRetries: options.sinkMaxRetries,
    onWrite: (seconds, _points, ok) =>
      metrics.metricWriteSeconds.observe({ outcome: ok ? 'ok' : 'error' }, seconds),
    onDrop: (count) => {
      metrics.metricPointsDropped.inc(count);
      logger.warn({ count }, 'metric buffer full: points dropped');
    },
    onError: (error) => logger.error({ err: error }, 'metric write failed after retries'),
    onStored: (steps) => notifier.stored(steps),
  });
}

/**
 * Waits for `running` executions, already asked to suspend, to settle. Those still active after
 * `graceMs` have their threads killed: their runs go back to the queue and resume from their
 * previous checkpoint, so a stuck step cannot hold a shutdown (SIGTERM) forever.
 */
export async function drainExecutions(
  running: readonly RunExecution[],
  options: {
    readonly graceMs: number;
    readonly isActive: (execution: RunExecution) => boolean;
    readonly logger: RunLogger;
  },
): Promise<void> {
  const all = Promise.all(running.map((e) => e.settled));
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    all.then(() => false),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), options.graceMs);
    }),
  ]);
  clearTimeout(timer);
  if (timedOut) {
    const late = running.filter(options.isActive);
    options.logger.warn(
      { runs: late.map((e) => e.run.id) },
      'shutdown grace exceeded: killing training threads',
    );
    await Promise.all(late.map((e) => e.kill()));
  }
  await all;
}
