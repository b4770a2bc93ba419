import { invalidArgument } from '../core/index.js';
import type { CheckpointRetention__Output } from '../generated/proto/gradnoise/v1/CheckpointRetention.js';
import type { InitFrom, InitFrom__Output } from '../generated/proto/gradnoise/v1/InitFrom.js';
import { integerFlag } from './run-request.js';

const MODES = { weights: 'INIT_MODE_WEIGHTS', full: 'INIT_MODE_FULL' } as const;

/**
 * `--init-from <run[@step]>` and `--init-mode <weights|full>` as StartRunRequest.init_from; null
 * without `--init-from`. A mode without a run, a bad step or an unknown mode is INVALID_ARGUMENT
 * naming the flag; the run and step themselves are the server's to check.
 */
export function initFromFlags(from: string | undefined, mode: string | undefined): InitFrom | null {
  if (from === undefined) {
    if (mode !== undefined) throw invalidArgument('--init-mode', mode, 'only with --init-from');
    return null;
  }
  const at = from.lastIndexOf('@');
  const runId = at < 0 ? from : from.slice(0, at);
  const step = at < 0 ? 0 : integerFlag('--init-from', from.slice(at + 1), 1, 2 ** 31 - 1);
  if (runId === '') throw invalidArgument('--init-from', from, 'a run id, optionally followed by @<step>');
  const found = mode === undefined ? undefined : MODES[mode.toLowerCase() as keyof typeof MODES];
  if (mode !== undefined && found === undefined)
    throw invalidArgument('--init-mode', mode, 'weights or full');
  return { runId, step, ...(found === undefined ? {} : { mode: found }) };
}

/** `run get`'s line for Run.init_from: `<run> @ step <k>, weights|full`. */
export function describeInitFrom(initFrom: InitFrom__Output): string {
  const mode = initFrom.mode === 'INIT_MODE_FULL' ? 'full (fork)' : 'weights (fine-tune)';
  return `${initFrom.runId} @ step ${initFrom.step}, ${mode}`;
}

/** `run get`'s line for spec.retention: what is kept besides the latest; `all` without one. */
export function describeRetention(retention: CheckpointRetention__Output | null): string {
  if (retention === null) return 'all checkpoints';
  const kept = retention.keepLast > 0 ? [`the ${retention.keepLast} latest`] : ['the latest'];
  const best = retention.keepBest;
  if (best !== null) {
    const direction = best.direction === 'METRIC_DIRECTION_MIN' ? 'min' : 'max';
    kept.push(`the ${best.count} best by ${best.metric} (${direction})`);
  }
  return kept.join(' and ');
}
