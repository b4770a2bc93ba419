import type { Command } from 'commander';
import { invalidArgument } from '../core/index.js';
import type { SweepObjective } from '../generated/proto/gradnoise/v1/SweepObjective.js';
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
  if (options.mode !== undefined && options.mode !== 'max' && options.mode !== 'min') {
    throw invalidArgument('--mode', options.mode, 'max or min');
  }
  return {
    metric: options.metric ?? '',
    thresholds,
    ...(options.mode === undefined
      ? {}
      : { mode: options.mode === 'max' ? 'OBJECTIVE_MODE_MAX' : 'OBJECTIVE_MODE_MIN' }),
  };
}
