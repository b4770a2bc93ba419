import type { PackageDefinition } from '@grpc/proto-loader';
import { invalidArgument, withFieldPrefix } from '../core/index.js';
import type { StartRunRequest__Output } from '../generated/proto/gradnoise/v1/StartRunRequest.js';
import {
  type ConfigPath,
  type FieldPath,
  type Json,
  jsonToStruct,
  parseConfigValue,
  parseFieldValue,
  resolveConfigPath,
  resolveFieldPath,
  setConfigValue,
  setFieldValue,
  structToJson,
} from '../protocol/index.js';
import type { AxisField, RunTemplate } from '../sweeps/index.js';
import { builtinTrainers, type TrainerRegistry } from '../trainers/index.js';
import { decodeStartRun, encodeConfigFields, encodeTrainerConfig, typedConfig } from './codec/index.js';

const RUN_REQUEST = 'gradnoise.v1.StartRunRequest';
/** Top-level fields the sweep itself owns, so no axis may set them. */
const NOT_SWEEPABLE: Readonly<Record<string, string>> = {
  trainer: 'one trainer per sweep',
  seed: 'use seeds',
  request_id: 'set per run by the sweep',
};

/** Why no axis may name init_from or a field of it. */
const INIT_FROM_REASON = "a sweep's runs start from scratch";

/**
 * The sweep's run template over the StartRunRequest message: an axis may name any singular scalar
 * field (resolved through the proto descriptors), and a cell is the base message with the axis
 * values set, decoded exactly as StartRun decodes a request (against `trainers`).
 *
 * A trainer without a typed config (a plugin) has its config in `config_struct`: an axis
 * `<trainer>.<field>` is then resolved against its declared schema, as ListTrainers publishes it
 * (`config-path.ts`, the grammar of the CLI's `--set`), and a cell sets the value in that Struct.
 */
export function protoRunTemplate(
  definition: PackageDefinition,
  requested: StartRunRequest__Output | null,
  trainers: TrainerRegistry = builtinTrainers,
): RunTemplate {
  if (requested === null) throw invalidArgument('base', null, 'a StartRunRequest with at least its trainer');
  const decoded = withFieldPrefix('base.', () => decodeStartRun(requested, trainers));
  const trainerCase = typedConfig(requested.trainer)?.oneofCase;
  // A base whose config came as config_struct is carried as the trainer's typed message, so an
  // axis into the config adds to the base's values instead of replacing them.
  const base =
    requested.config === 'configStruct' && trainerCase !== undefined
      ? ({
          ...requested,
          configStruct: null,
          config: trainerCase,
          ...encodeTrainerConfig(requested.trainer, decoded.request.trainerConfig ?? {}),
        } as StartRunRequest__Output)
      : requested;
  if (decoded.requestId !== null) {
    throw invalidArgument('base.request_id', decoded.requestId, "empty (the sweep sets each run's)");
  }
  if (decoded.displayName !== '') {
    throw invalidArgument(
      'base.display_name',
      decoded.displayName,
      'empty (UpdateRun names runs one by one)',
    );
  }
  if (decoded.initFrom !== undefined) {
    throw invalidArgument(
      'base.init_from',
      decoded.initFrom,
      "unset (a sweep's runs start from scratch; start a run from a checkpoint with StartRun)",
    );
  }
  // The typed config cases of every registered trainer: an axis may only enter the base's own.
  const configCases = new Set(
    trainers.list().flatMap((trainer) => typedConfig(trainer.name)?.oneofCase ?? []),
  );
  // The schema of a Struct-only trainer, as the wire publishes it. An unknown trainer is reported
  // as `base.trainer` when the base is compiled.
  const schemaFields =
    trainerCase === undefined && trainers.has(requested.trainer)
      ? encodeConfigFields(trainers.get(requested.trainer).schema)
      : undefined;
  const paths = new Map<string, FieldPath>();
  const configPaths = new Map<string, ConfigPath>();
  return {
    base: decoded.request,
    labels: decoded.labels,
    field(path: string, errorField: string): AxisField {
      const configPath =
        schemaFields === undefined
          ? undefined
          : resolveConfigPath(base.trainer, schemaFields, path, errorField);
      if (configPath !== undefined) {
        configPaths.set(configPath.path, configPath);
        return {
          path: configPath.path,
          parse: (text, field) => parseConfigValue(configPath.field, text, field),
        };
      }
      const resolved = resolveFieldPath(definition, RUN_REQUEST, path, errorField);
      const top = resolved.keys[0] as string;
      const reason = /^init_from(\.|$)/.test(resolved.path)
        ? INIT_FROM_REASON
        : resolved.keys.length === 1
          ? NOT_SWEEPABLE[resolved.path]
          : undefined;
      if (reason !== undefined)
        throw invalidArgument(errorField, path, `a field a sweep can vary (${resolved.path}: ${reason})`);
      if (configCases.has(top) && top !== trainerCase) {
        throw invalidArgument(
          errorField,
          path,
          trainerCase === undefined
            ? `${base.trainer}.<field> (trainer ${base.trainer} has no typed config; its fields are in config_struct)`
            : `a field of the ${base.trainer} trainer's config (${base.trainer}.*)`,
        );
      }
      paths.set(resolved.path, resolved);
      return {
        path: resolved.path,
        parse: (text, field) => {
          const parsed = parseFieldValue(resolved, text, field);
          return { text: parsed.text, value: parsed.value };
        },
      };
    },
    build(assignments) {
      const message = structuredClone(base) as unknown as Record<string, unknown>;
      let struct: Record<string, Json> | undefined;
      for (const { field, value } of assignments) {
        const configPath = configPaths.get(field.path);
        if (configPath !== undefined) {
          struct ??= base.configStruct ? structToJson(base.configStruct, 'base.config_struct') : {};
          struct = setConfigValue(struct, configPath.keys, value.value as Json);
          continue;
        }
        const resolved = paths.get(field.path);
        if (resolved === undefined) throw new Error(`axis ${field.path} was not resolved by this template`);
        setFieldValue(definition, message, resolved, value.value as string | number | boolean);
        // The config oneof's discriminator tells the decoder which trainer config is present.
        if (configCases.has(resolved.keys[0] as string)) message.config = resolved.keys[0];
      }
      if (struct !== undefined) {
        message.configStruct = jsonToStruct(struct);
        message.config = 'configStruct';
      }
      return decodeStartRun(message as unknown as StartRunRequest__Output, trainers).request;
    },
  };
}
