import type { Command } from 'commander';
import { invalidArgument } from '../core/index.js';
import type { SweepObjective } from '../generated/proto/gradnoise/v1/SweepObjective.js';
import type { SweepSelection } from '../generated/proto/gradnoise/v1/SweepSelection.js';
import { repeatable } from './run-request.js';

/** The objective flags of `sweep start` and `sweep report`. */
export interface ObjectiveOptions {
  readonly metric?: string;
  readonly mode?: string;
  /** Absent when no `--threshold` was given. */
  readonly threshold?: readonly string[];
}

/** Help and defaults of the flags: `sweep start` sets the objective, `sweep report` overrides it. */
export interface ObjectiveFlagHelp {
  readonly metric: string;
  /** Default of `--metric`; none: the flag is absent unless given. */
  readonly metricDefault?: string;
  readonly mode: string;
  readonly threshold: string;
}

/**
 * Registers `--metric`, `--mode` and `--threshold` (repeatable) on `command`. `--threshold` has no
 * default value, so its help states its default in words.
 */
export function addObjectiveOptions(command: Command, help: ObjectiveFlagHelp): Command {
  return command
    .option('--metric <name>', help.metric, help.metricDefault)
    .option('--mode <max|min>', help.mode)
    .option('--threshold <x>', help.threshold, (value: string, previous?: readonly string[]) =>
      repeatable(value, previous ?? []),
    );
}

/** Whether any objective flag was given (`--metric` counts only where it has no default). */
export function hasObjectiveFlags(options: ObjectiveOptions): boolean {
  return options.metric !== undefined || options.mode !== undefined || options.threshold !== undefined;
}

/**
 * The SweepObjective the flags describe: thresholds parsed as numbers and the mode as max or min,
 * errors naming the flag; an absent `--metric` is sent empty and `--mode` unspecified, so the
 * server fills them (see StartSweepRequest.objective and GetSweepRequest.objective).
 */
export function objectiveFromFlags(options: ObjectiveOptions): SweepObjective {
  const thresholds = (options.threshold ?? []).map((text) => {
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value)) throw invalidArgument('--threshold', text, 'a number');
    return value;
  });
  return { metric: options.metric ?? '', thresholds, ...modeFlag('--mode', options.mode) };
}

/** The restart-selection flags of `sweep report`. */
export interface SelectionOptions {
  readonly selectBy?: string;
  readonly selectMode?: string;
  readonly reportMetric?: readonly string[];
}

/** Registers `--select-by`, `--select-mode` and `--report-metric` (repeatable) on `command`. */
export function addSelectionOptions(command: Command): Command {
  return command
    .option(
      '--select-by <metric>',
      "restart selection (the paper's Table 2): per cell and arm keep the seed with the best final value of this metric, e.g. train_error (default: no selection)",
    )
    .option(
      '--select-mode <max|min>',
      'whether larger is better for --select-by (default: min for *loss/*error)',
    )
    .option(
      '--report-metric <name>',
      'final values of this metric for the picked runs (repeatable; default: the --select-by metric)',
      (value: string, previous?: readonly string[]) => repeatable(value, previous ?? []),
    );
}

/** The SweepSelection the flags describe, or undefined without `--select-by`; errors name the flag. */
export function selectionFromFlags(options: SelectionOptions): SweepSelection | undefined {
  if (options.selectBy === undefined) {
    if (options.selectMode !== undefined || options.reportMetric !== undefined) {
      throw invalidArgument(
        '--select-by',
        undefined,
        'a metric name when --select-mode or --report-metric is given',
      );
    }
    return undefined;
  }
  return {
    metric: options.selectBy,
    reportMetrics: [...(options.reportMetric ?? [])],
    ...modeFlag('--select-mode', options.selectMode),
  };
}

/** A `max|min` flag as the proto's ObjectiveMode, `{}` when absent; anything else names the flag. */
function modeFlag(
  flag: string,
  value: string | undefined,
): { mode?: 'OBJECTIVE_MODE_MAX' | 'OBJECTIVE_MODE_MIN' } {
  if (value === undefined) return {};
  if (value !== 'max' && value !== 'min') throw invalidArgument(flag, value, 'max or min');
  return { mode: value === 'max' ? 'OBJECTIVE_MODE_MAX' : 'OBJECTIVE_MODE_MIN' };
}
