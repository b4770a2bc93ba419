import type { PackageDefinition } from '@grpc/proto-loader';
import type { Command } from 'commander';
import {
  type ConfigFieldNode,
  type Connection,
  type Json,
  jsonToStruct,
  parseConfigValue,
  parseFieldValue,
  resolveConfigPath,
  resolveFieldPath,
  setConfigValue,
  setFieldValue,
} from '../client/index.js';
import { invalidArgument } from '../core/index.js';
import type { StartRunRequest } from '../generated/proto/gradnoise/v1/StartRunRequest.js';

/** The run options `run start` and `sweep start` share (the sweep's are its template). */
export interface RunOptions {
  readonly trainer: string;
  readonly maxSteps?: string;
  readonly maxEpochs?: string;
  readonly evalEvery?: string;
  readonly eta?: string;
  readonly gamma?: string;
  readonly schedule?: string;
  readonly noiseGenerator?: string;
  readonly seed?: string;
  readonly lr?: string;
  readonly optimizer?: string;
  readonly clipNorm?: string;
  readonly clipValue?: string;
  readonly clipTensorNorm?: string;
  readonly keepLast?: string;
  readonly keepBest?: string;
  readonly keepBestCount?: string;
  readonly keepBestDirection?: string;
  readonly set: readonly string[];
}

/** Each shortcut flag and the StartRunRequest field it sets. */
const FLAGS: readonly (readonly [keyof RunOptions, string, string])[] = [
  ['maxSteps', '--max-steps', 'max_steps'],
  ['maxEpochs', '--max-epochs', 'max_epochs'],
  ['evalEvery', '--eval-every', 'eval_every'],
  ['eta', '--eta', 'noise.eta'],
  ['gamma', '--gamma', 'noise.gamma'],
  ['schedule', '--schedule', 'noise.schedule'],
  ['noiseGenerator', '--noise-generator', 'noise.generator'],
  ['seed', '--seed', 'seed'],
  ['lr', '--lr', 'optimizer.learning_rate'],
  ['optimizer', '--optimizer', 'optimizer.kind'],
  ['clipNorm', '--clip-norm', 'clip.by_global_norm'],
  ['clipValue', '--clip-value', 'clip.by_value'],
  ['clipTensorNorm', '--clip-tensor-norm', 'clip.by_tensor_norm'],
  ['keepLast', '--keep-last', 'retention.keep_last'],
  ['keepBest', '--keep-best', 'retention.keep_best.metric'],
  ['keepBestCount', '--keep-best-count', 'retention.keep_best.count'],
  ['keepBestDirection', '--keep-best-direction', 'retention.keep_best.direction'],
];

const RUN_REQUEST = 'gradnoise.v1.StartRunRequest';

/** Collects a repeatable option's values. */
export function repeatable(value: string, previous: readonly string[]): string[] {
  return [...previous, value];
}

/** Registers the shared run options on `command`, each with its default in the help. */
export function addRunOptions(command: Command, seedHelp: string): Command {
  return command
    .option('--trainer <name>', "trainer to run (see the server's ListTrainers)", 'mlp')
    .option('--max-steps <n>', "budget in optimizer steps (default: the trainer's)")
    .option('--max-epochs <n>', 'budget in epochs instead of steps (default: unset)')
    .option('--eval-every <n>', 'evaluate every n steps (default: about 20 evaluations per run)')
    .option('--eta <x>', "noise scale eta of Eq. 1; 0 disables noise (default: the trainer's, 0.01 for mlp)")
    .option('--gamma <g>', 'annealing exponent gamma (default: 0.55)')
    .option('--schedule <annealed|fixed>', 'noise schedule (default: annealed)')
    .option(
      '--noise-generator <box-muller|ziggurat|philox>',
      'stream of the noise normals: box-muller (fast), ziggurat (exact; what runs stored before the option existed use) or philox (counter-based Philox4x32-10, stateless per element) (default: box-muller)',
    )
    .option('--seed <s>', seedHelp)
    .option('--lr <x>', "learning rate (default: the trainer's)")
    .option(
      '--optimizer <kind>',
      "inner optimizer: sgd, momentum, adam, adagrad, rmsprop, adadelta, adamax (default: the trainer's)",
    )
    .option('--clip-norm <c>', "clip gradients to global L2 norm c (default: the trainer's clipping)")
    .option('--clip-value <c>', "clip each gradient element to [-c, c] (default: the trainer's clipping)")
    .option(
      '--clip-tensor-norm <c>',
      "clip each gradient tensor to L2 norm c on its own (default: the trainer's clipping)",
    )
    .option(
      '--keep-last <n>',
      'keep only the n latest checkpoints, pruning the others as new ones are written (default: keep every checkpoint)',
    )
    .option(
      '--keep-best <metric>',
      'also keep the best checkpoints by this declared metric, ranked by its value at their step (default: none)',
    )
    .option('--keep-best-count <n>', 'how many --keep-best checkpoints to keep, 1-1000 (default: 1)')
    .option(
      '--keep-best-direction <min|max>',
      "which way --keep-best's metric is better (default: the trainer's)",
    )
    .option(
      '--set <field=value>',
      "set any field of StartRunRequest by path, e.g. mlp.depth=5, mlp.init=zero, neural_gpu.test_lengths=20,40; a trainer without a typed config (a plugin) takes <trainer>.<field>=value, checked against the server's ListTrainers schema and sent as config_struct (repeatable)",
      repeatable,
      [],
    );
}

/**
 * The StartRunRequest the flags describe, asking the server for the trainer's schema (ListTrainers)
 * only when a `--set` names a config field of a trainer that has no typed message in the proto.
 */
export async function resolveRunRequest(conn: Connection, options: RunOptions): Promise<StartRunRequest> {
  const { definition } = conn.api;
  const needsSchema =
    !hasTypedConfig(definition, options.trainer) &&
    options.set.some((pair) => pair.startsWith(`${options.trainer}.`));
  if (!needsSchema) return buildRunRequest(definition, options);
  const { trainers } = await conn.training.listTrainers({});
  const info = trainers.find((t) => t.name === options.trainer);
  if (info === undefined) {
    throw invalidArgument('--trainer', options.trainer, `one of: ${trainers.map((t) => t.name).join(', ')}`);
  }
  return buildRunRequest(definition, options, info.configFields);
}

/** Whether StartRunRequest has a typed config message for `trainer` (a case of its `config` oneof). */
function hasTypedConfig(definition: PackageDefinition, trainer: string): boolean {
  const type = definition[RUN_REQUEST]?.type as { field?: { name: string }[] } | undefined;
  return (type?.field ?? []).some((field) => field.name === trainer);
}

/**
 * Builds the StartRunRequest the flags describe. Every flag is a field path resolved through the
 * proto descriptors, so its value is parsed by the field's type (errors name the flag). With
 * `configFields` (the trainer's schema from ListTrainers), a `--set <trainer>.<field>` is resolved
 * against it instead and the values are sent as `config_struct`.
 */
export function buildRunRequest(
  definition: PackageDefinition,
  options: RunOptions,
  configFields?: readonly ConfigFieldNode[],
): StartRunRequest {
  const request: Record<string, unknown> = { trainer: options.trainer };
  let config: Record<string, Json> | undefined;
  const assign = (flag: string, path: string, text: string) => {
    const field = resolveFieldPath(definition, RUN_REQUEST, path, flag, { allowRepeated: true });
    setFieldValue(definition, request, field, parseFieldValue(field, text, flag).value);
  };
  for (const [key, flag, path] of FLAGS) {
    const value = options[key];
    if (typeof value === 'string') assign(flag, path, value);
  }
  for (const pair of options.set) {
    const [path, text] = splitPair('--set', pair);
    const flag = `--set ${path}`;
    const field =
      configFields === undefined ? undefined : resolveConfigPath(options.trainer, configFields, path, flag);
    if (field === undefined) assign(flag, path, text);
    else config = setConfigValue(config ?? {}, field.keys, parseConfigValue(field.field, text, flag).value);
  }
  if (config !== undefined) request.configStruct = jsonToStruct(config);
  return request as StartRunRequest;
}

/** `key=value` → [key, value]; the value may contain '='. */
export function splitPair(flag: string, pair: string): [string, string] {
  const at = pair.indexOf('=');
  if (at <= 0) throw invalidArgument(flag, pair, 'key=value');
  return [pair.slice(0, at), pair.slice(at + 1)];
}

/** `--label k=v` pairs as a map. */
export function labelMap(pairs: readonly string[]): Record<string, string> {
  return Object.fromEntries(pairs.map((pair) => splitPair('--label', pair)));
}

/** An integer flag's value; INVALID_ARGUMENT naming the flag otherwise. */
export function integerFlag(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^[+-]?\d+$/.test(text.trim()) || value < min || value > max) {
    throw invalidArgument(flag, text, `an integer in [${min}, ${max}]`);
  }
  return value;
}
