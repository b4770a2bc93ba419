import type { Command } from 'commander';
import { invalidArgument } from '../../core/index.js';
import type { Value__Output } from '../../generated/proto/google/protobuf/Value.js';
import type { ConfigField__Output } from '../../generated/proto/gradnoise/v1/ConfigField.js';
import type { TrainerInfo__Output } from '../../generated/proto/gradnoise/v1/TrainerInfo.js';
import type { CommandContext } from '../context.js';
import { printJson, printTable } from '../io.js';

/**
 * `gradnoise trainers`: the server's trainers (ListTrainers), one line each;
 * `gradnoise trainers <name>`: one trainer's config fields (default, allowed values, doc), its
 * metrics and phases, i.e. what `--set <trainer>.<field>=...` accepts.
 */
export function registerTrainerCommands(program: Command, ctx: CommandContext): void {
  program
    .command('trainers [name]')
    .description("list the server's trainers, or show one trainer's config fields, metrics and phases")
    .action(async (name: string | undefined, _: unknown, command: Command) => {
      const options = ctx.options<Record<string, never>>(command);
      const { trainers } = await ctx.connection(command).training.listTrainers({});
      if (name === undefined) {
        if (options.json) {
          printJson(ctx.io, { trainers });
          return;
        }
        printTable(
          ctx.io,
          ['NAME', 'PAPER', 'METRICS', 'DESCRIPTION'],
          trainers.map((t) => [
            t.name,
            t.paperSection,
            t.metrics.map((m) => m.name).join(','),
            t.description,
          ]),
        );
        return;
      }
      const trainer = trainers.find((t) => t.name === name);
      if (trainer === undefined) {
        throw invalidArgument('trainer', name, `one of ${trainers.map((t) => t.name).join(', ')}`);
      }
      if (options.json) printJson(ctx.io, trainer);
      else printTrainer(ctx, trainer);
    });
}

function printTrainer(ctx: CommandContext, trainer: TrainerInfo__Output): void {
  const paper = trainer.paperSection === '' ? '' : ` (paper ${trainer.paperSection})`;
  ctx.io.stdout.write(`${trainer.name}${paper}: ${trainer.description}\n`);
  if (trainer.configMessage !== '') ctx.io.stdout.write(`typed config: ${trainer.configMessage}\n`);
  if (trainer.phases.length > 0) ctx.io.stdout.write(`phases: ${trainer.phases.join(', ')}\n`);
  ctx.io.stdout.write('\n');
  printTable(
    ctx.io,
    ['FIELD', 'KIND', 'DEFAULT', 'ALLOWED', 'DOC'],
    flatten(trainer.configFields, '').map((f) => [
      f.path,
      f.field.kind.replace(/^CONFIG_FIELD_KIND_/, '').toLowerCase(),
      valueText(f.field.defaultValue),
      f.field.allowed,
      f.field.doc,
    ]),
  );
  ctx.io.stdout.write('\n');
  printTable(
    ctx.io,
    ['METRIC', 'WHEN', 'DIRECTION', 'DOC'],
    trainer.metrics.map((m) => [
      m.name,
      m.when.replace(/^METRIC_WHEN_/, '').toLowerCase(),
      m.direction.replace(/^METRIC_DIRECTION_/, '').toLowerCase(),
      m.doc,
    ]),
  );
}

/** Nested config fields (a message inside the config) as dotted paths, parents first. */
function flatten(
  fields: readonly ConfigField__Output[],
  prefix: string,
): { path: string; field: ConfigField__Output }[] {
  return fields.flatMap((field) => {
    const path = `${prefix}${field.name}`;
    return [{ path, field }, ...flatten(field.fields, `${path}.`)];
  });
}

/** A google.protobuf.Value as the user would type it after `--set`; unset: empty. */
function valueText(value: Value__Output | null): string {
  if (value === null) return '';
  switch (value.kind) {
    case 'numberValue':
      return String(value.numberValue);
    case 'stringValue':
      return value.stringValue ?? '';
    case 'boolValue':
      return String(value.boolValue);
    case 'listValue':
      return (value.listValue?.values ?? []).map(valueText).join(',');
    case 'structValue':
      return JSON.stringify(value.structValue);
    default:
      return '';
  }
}
