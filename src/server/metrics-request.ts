import { invalidArgument } from '../core/index.js';
import type { GetRunMetricsRequest__Output } from '../generated/proto/gradnoise/v1/GetRunMetricsRequest.js';
import type { RunMetricsInput } from '../runs/index.js';
import { int64, requiredId, shortString } from './fields.js';

const MAX_METRIC_NAMES = 64;
const MAX_METRIC_NAME = 128;
const MAX_STEP = 2 ** 31 - 1;
const DEFAULT_PAGE_SIZE = 1000;
const MAX_PAGE_SIZE = 10_000;
/** Our tokens are short base64url; a longer one cannot be ours. */
const MAX_PAGE_TOKEN = 512;

/** The `names` filter of StreamMetrics and GetRunMetrics: at most 64 names of at most 128 characters. */
export function decodeMetricNames(raw: readonly string[]): string[] {
  if (raw.length > MAX_METRIC_NAMES) {
    throw invalidArgument('names', `${raw.length} names`, `at most ${MAX_METRIC_NAMES} names`);
  }
  return raw.map((n, i) => shortString(`names[${i}]`, n, MAX_METRIC_NAME));
}

/**
 * GetRunMetricsRequest as the use case takes it: `to_step` 0 becomes the largest step, and every
 * field out of its documented range is INVALID_ARGUMENT naming it.
 */
export function decodeRunMetricsRequest(
  request: GetRunMetricsRequest__Output,
): Omit<RunMetricsInput, 'project'> {
  const runId = requiredId('run_id', request.runId);
  const names = decodeMetricNames(request.names);
  const fromStep = int64('from_step', request.fromStep, 0, MAX_STEP);
  const toStep = int64('to_step', request.toStep, 0, MAX_STEP);
  if (toStep !== 0 && toStep < fromStep) {
    throw invalidArgument('to_step', toStep, `0 (no bound) or a step >= from_step (${fromStep})`);
  }
  if (!Number.isInteger(request.pageSize) || request.pageSize < 0 || request.pageSize > MAX_PAGE_SIZE) {
    throw invalidArgument(
      'page_size',
      request.pageSize,
      `an integer in [0, ${MAX_PAGE_SIZE}] (0: ${DEFAULT_PAGE_SIZE})`,
    );
  }
  return {
    runId,
    names,
    fromStep,
    toStep: toStep === 0 ? MAX_STEP : toStep,
    pageSize: request.pageSize,
    pageToken: shortString('page_token', request.pageToken, MAX_PAGE_TOKEN),
  };
}
