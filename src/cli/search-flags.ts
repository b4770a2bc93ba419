import type { Command } from 'commander';
import { invalidArgument } from '../core/index.js';
import type { StartSweepRequest } from '../generated/proto/gradnoise/v1/StartSweepRequest.js';
import type { SweepAxis } from '../generated/proto/gradnoise/v1/SweepAxis.js';
import { integerFlag, repeatable, splitPair } from './run-request.js';

/** The random-search and early-stopping flags of `gradnoise sweep start`. */
export interface SearchOptions {
  readonly sample: readonly string[];
  readonly trials: string;
  readonly sweepSeed: string;
  readonly ashaMetric?: string;
  readonly ashaGrace?: string;
  readonly ashaEta?: string;
  readonly ashaMax?: string;
}

const KINDS = {
  uniform: 'DISTRIBUTION_KIND_UNIFORM',
  loguniform: 'DISTRIBUTION_KIND_LOG_UNIFORM',
  int: 'DISTRIBUTION_KIND_INT',
  choice: 'DISTRIBUTION_KIND_CHOICE',
} as const;

export function addSearchOptions(command: Command): Command {
  return command
    .option(
      '--sample <field=kind:args>',
      'a random-search axis: uniform:LOW,HIGH, loguniform:LOW,HIGH, int:LOW,HIGH or choice:A,B@WEIGHT,... ' +
        '(e.g. optimizer.learning_rate=loguniform:1e-4,1e-1; repeatable; needs --trials)',
      repeatable,
      [],
    )
    .option('--trials <n>', 'random search: configurations to sample (0: a grid over --axis values)', '0')
    .option('--sweep-seed <n>', 'seed of the random search: the same seed draws the same trials', '0')
    .option(
      '--asha-metric <name>',
      "ASHA early stopping on this metric (default: the objective's when any --asha-* is set)",
    )
    .option('--asha-grace <steps>', "ASHA's first rung, in steps (default: the run's eval-every)")
    .option('--asha-eta <n>', 'ASHA reduction factor: the top 1/η of each rung go on (default: 3)')
    .option('--asha-max <steps>', "ASHA's maximum budget: rungs lie below it (default: the run's max-steps)");
}

/**
 * The request fields of the flags: `--sample` axes (after the `--axis` ones), trials, sweep seed,
 * and early_stopping when any `--asha-*` flag is given. Bad flag text is INVALID_ARGUMENT naming
 * the flag; ranges are the server's to check.
 */
export function searchFromFlags(
  options: SearchOptions,
): Pick<StartSweepRequest, 'trials' | 'sweepSeed' | 'earlyStopping'> & { readonly axes: SweepAxis[] } {
  const asha = [options.ashaMetric, options.ashaGrace, options.ashaEta, options.ashaMax].some(
    (v) => v !== undefined,
  );
  return {
    axes: options.sample.map(sampleAxis),
    trials: integerFlag('--trials', options.trials, 0, 10_000),
    sweepSeed: String(integerFlag('--sweep-seed', options.sweepSeed, 0, 0xffff_ffff)),
    ...(asha
      ? {
          earlyStopping: {
            metric: options.ashaMetric ?? '',
            gracePeriod: String(integerFlag('--asha-grace', options.ashaGrace ?? '0', 0, 100_000_000)),
            reductionFactor: integerFlag('--asha-eta', options.ashaEta ?? '0', 0, 100),
            maxBudget: String(integerFlag('--asha-max', options.ashaMax ?? '0', 0, 100_000_000)),
          },
        }
      : {}),
  };
}

/** `field=kind:args`, e.g. `noise.eta=loguniform:0.01,1` or `optimizer.kind=choice:adam@3,sgd`. */
function sampleAxis(flag: string): SweepAxis {
  const [field, spec] = splitPair('--sample', flag);
  const colon = spec.indexOf(':');
  const name = spec.slice(0, colon);
  const kind = colon > 0 && Object.hasOwn(KINDS, name) ? KINDS[name as keyof typeof KINDS] : undefined;
  if (kind === undefined) {
    throw invalidArgument('--sample', flag, 'field=KIND:ARGS with KIND uniform, loguniform, int or choice');
  }
  const args = spec.slice(colon + 1).split(',');
  if (kind === KINDS.choice) {
    const pairs = args.map((arg) => {
      const at = arg.lastIndexOf('@');
      return at < 0
        ? { choice: arg, weight: 1 }
        : { choice: arg.slice(0, at), weight: Number(arg.slice(at + 1)) };
    });
    const weighted = args.some((arg) => arg.includes('@'));
    return {
      field,
      distribution: {
        kind,
        choices: pairs.map((p) => p.choice),
        weights: weighted ? pairs.map((p) => p.weight) : [],
      },
    };
  }
  const bounds = args.map(Number);
  if (args.length !== 2 || bounds.some((b) => !Number.isFinite(b))) {
    throw invalidArgument('--sample', flag, `${name}:LOW,HIGH with two numbers`);
  }
  return { field, distribution: { kind, low: bounds[0] as number, high: bounds[1] as number } };
}
