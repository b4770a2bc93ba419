import type { MetricPoint, RunStatus } from '../core/index.js';
import type { MetricRepository, MetricSummary, RunRecord, RunRepository } from '../store/types.js';
import { findMetric, type TrainerRegistry } from '../trainers/index.js';

/** What GetRunMetrics reads. */
export interface RunMetricsDeps {
  /** Points are keyed by run id alone, so the run is looked up in the caller's project first. */
  readonly runs: Pick<RunRepository, 'get'>;
  readonly metrics: Pick<MetricRepository, 'page' | 'summaries'>;
}

export interface RunMetricsInput {
  /** The caller's project: a run of another project is NOT_FOUND, as if it did not exist. */
  readonly project: string;
  readonly runId: string;
  /** Only these metric names; all when empty. */
  readonly names: readonly string[];
  /** The first and last step of the page's points, both included, in [0, 2^31 - 1]. */
  readonly fromStep: number;
  readonly toStep: number;
  /** 0 .. 10,000 (0: 1000). */
  readonly pageSize: number;
  /** '' for the first page, else the token of the previous page for the same run and query. */
  readonly pageToken: string;
}

export interface RunMetricsPage {
  /** The run's status when read: while QUEUED or RUNNING, more points may come. */
  readonly status: RunStatus;
  /** Stored points in (step, name) order. */
  readonly points: readonly MetricPoint[];
  readonly nextPageToken: string;
  /** Per selected metric (every one when `names` is empty), over all its stored points, by name. */
  readonly summaries: readonly MetricSummary[];
}

/**
 * GetRunMetrics: one page of the run's stored points, filtered by names and a step range, with the
 * stored summary of each selected metric. Unlike StreamMetrics it answers at once, even while the
 * run trains. The summaries cover every stored step, not only the range, and come with every page,
 * so a client that wants only them reads one page of size 1.
 * NOT_FOUND for an unknown run or one of another project; INVALID_ARGUMENT on `page_token` for a
 * token of another run or query.
 */
export async function readRunMetrics(deps: RunMetricsDeps, input: RunMetricsInput): Promise<RunMetricsPage> {
  const run = await deps.runs.get(input.project, input.runId);
  const query = { names: input.names, fromStep: input.fromStep, toStep: input.toStep };
  const page = await deps.metrics.page(run.id, query, input.pageSize, input.pageToken);
  const summaries = await deps.metrics.summaries([run.id], input.names.length > 0 ? input.names : undefined);
  return { status: run.status, points: page.items, nextPageToken: page.nextPageToken, summaries };
}

/** What {@link withDeclaredSummaries} reads. */
export interface DeclaredSummaryDeps {
  readonly metrics: Pick<MetricRepository, 'summaries'>;
  /** The service's trainers: their declarations say which metrics a run's summary shows. */
  readonly trainers: TrainerRegistry;
}

/** A run with the summaries of the metrics its trainer declares. */
export interface RunWithSummaries {
  readonly run: RunRecord;
  /** By name; empty for a run whose trainer this server does not have. */
  readonly summaries: readonly MetricSummary[];
}

/**
 * The stored summaries GetRun and ListRuns show on each run: only of metrics its trainer declares
 * (families such as `test_seq_error_len{L}` match their members), read for all the runs at once.
 */
export async function withDeclaredSummaries(
  deps: DeclaredSummaryDeps,
  runs: readonly RunRecord[],
): Promise<RunWithSummaries[]> {
  const stored = await deps.metrics.summaries(runs.map((run) => run.id));
  const byRun = new Map<string, MetricSummary[]>();
  for (const summary of stored) {
    const list = byRun.get(summary.runId);
    if (list === undefined) byRun.set(summary.runId, [summary]);
    else list.push(summary);
  }
  return runs.map((run) => {
    const declared = deps.trainers.has(run.trainer) ? deps.trainers.get(run.trainer).metrics : [];
    const summaries = (byRun.get(run.id) ?? []).filter(
      (s) =>
        findMetric(declared, s.name, 'step') !== undefined ||
        findMetric(declared, s.name, 'evaluation') !== undefined,
    );
    return { run, summaries };
  });
}
