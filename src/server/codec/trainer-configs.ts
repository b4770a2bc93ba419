import { invalidArgument } from '../../core/index.js';
import type {
  StartRunRequest,
  StartRunRequest__Output,
} from '../../generated/proto/gradnoise/v1/StartRunRequest.js';
import { jsonToStruct, structToJson } from '../../protocol/index.js';
import {
  builtinTrainers,
  type ConfigSchema,
  type EnumField,
  type TrainerRegistry,
} from '../../trainers/index.js';
import { optionalFinite } from '../fields.js';
import { typedConfig } from './typed-configs.js';

/**
 * The `config` oneof of StartRunRequest ↔ a trainer's domain config, driven by the trainer's schema
 * (no per-trainer code). A typed message's fields are the snake_case of the schema's names (loaded
 * camelCase by proto-loader, like the schema's); an enum choice `he` is the proto value
 * `<protoEnumPrefix>HE`. `config_struct` carries the same fields as JSON.
 *
 * Decoding yields overrides only: unset proto fields (and, for fields without a default, the proto
 * zero value `0` / `""`, which proto3 cannot tell from unset) are left out, so the trainer's
 * defaults apply. Types and ranges are checked by the trainer's `compile` against the same schema,
 * so a typed message and a Struct get the same errors (e.g. `mlp.depth: got 0; …`).
 *
 * Only built-in trainers have typed messages (they are compiled into the proto); a plugin's config
 * is always a Struct, whose keys are the snake_case of its schema's names.
 */

type Json = Record<string, unknown>;

/** Decodes the request's config oneof into trainer config overrides, against `trainers`' schema. */
export function decodeTrainerConfig(
  trainer: string,
  request: StartRunRequest__Output,
  trainers: TrainerRegistry = builtinTrainers,
): Json {
  const oneofCase = request.config;
  if (oneofCase === undefined) return {};
  const { schema } = trainers.get(trainer);
  if (oneofCase === 'configStruct') {
    return request.configStruct
      ? structFields(schema, structToJson(request.configStruct, trainer), trainer)
      : {};
  }
  const typed = typedConfig(trainer);
  if (typed?.oneofCase !== oneofCase) {
    const allowed =
      typed === undefined
        ? `config_struct (trainer ${trainer} has no typed config)`
        : `the ${typed.oneofCase} config or config_struct (trainer is ${trainer})`;
    throw invalidArgument('config', oneofCase, allowed);
  }
  const message = (request as unknown as Record<string, unknown>)[oneofCase];
  return isObject(message) ? typedFields(schema, message, trainer) : {};
}

/**
 * Encodes a compiled trainer config as the request's oneof, for Run.spec and ListTrainers: a
 * built-in trainer's as its typed message, any other's (a plugin's, also one this replica does not
 * load) as a Struct with snake_case keys. A compiled config's keys are all schema names
 * (camelCase, nested only in object fields), so no schema is needed to name them on the wire.
 */
export function encodeTrainerConfig(trainer: string, config: Readonly<Json>): Partial<StartRunRequest> {
  const typed = typedConfig(trainer);
  if (typed === undefined || !builtinTrainers.has(trainer)) {
    return { configStruct: jsonToStruct(snakeKeys(config)) };
  }
  const { schema } = builtinTrainers.get(trainer);
  return { [typed.oneofCase]: encodeTyped(schema, config) } as Partial<StartRunRequest>;
}

function typedFields(schema: ConfigSchema, message: Json, path: string): Json {
  const out: Json = {};
  for (const [name, field] of Object.entries(schema)) {
    const raw = message[name];
    const at = `${path}.${snakeCase(name)}`;
    if (raw === undefined || raw === null) continue;
    const optional = field.kind !== 'object' && field.default === undefined;
    if (optional && (raw === 0 || raw === '')) continue;
    switch (field.kind) {
      case 'float':
        out[name] = optionalFinite(at, raw as number);
        break;
      case 'string':
        if (raw !== '') out[name] = raw;
        break;
      case 'enum': {
        const value = enumChoice(at, field, raw);
        if (value !== undefined) out[name] = value;
        break;
      }
      case 'intList':
        if (Array.isArray(raw) && raw.length > 0) out[name] = [...raw];
        break;
      case 'object':
        if (isObject(raw)) out[name] = typedFields(field.fields, raw, at);
        break;
      default:
        out[name] = raw;
    }
  }
  return out;
}

function encodeTyped(schema: ConfigSchema, config: Readonly<Json>): Json {
  const out: Json = {};
  for (const [name, field] of Object.entries(schema)) {
    const value = config[name];
    if (value === undefined) continue;
    if (field.kind === 'enum') out[name] = protoEnumName(field, String(value));
    else if (field.kind === 'object' && isObject(value)) out[name] = encodeTyped(field.fields, value);
    else if (Array.isArray(value)) out[name] = [...value];
    else out[name] = value;
  }
  return out;
}

/** The proto enum value of a choice: `MLP_INIT_` + `he` → `MLP_INIT_HE`. */
export function protoEnumName(field: EnumField, choice: string): string {
  return `${field.protoEnumPrefix}${choice.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

function enumChoice(path: string, field: EnumField, raw: unknown): string | undefined {
  const unspecified = `${field.protoEnumPrefix}UNSPECIFIED`;
  if (raw === unspecified || raw === 0) return undefined;
  const choice = field.choices.find((c) => protoEnumName(field, c) === raw);
  if (choice === undefined) {
    const names = [unspecified, ...field.choices.map((c) => protoEnumName(field, c))];
    throw invalidArgument(path, raw, `one of ${names.join(', ')}`);
  }
  return choice;
}

/**
 * A Struct's keys mapped onto the schema's names (snake_case or camelCase accepted); `null` means
 * unset. An unknown or repeated key is INVALID_ARGUMENT naming it and listing the allowed keys.
 * Values are left for the schema to check.
 */
function structFields(schema: ConfigSchema, json: Readonly<Json>, path: string): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(json)) {
    const name = camelCase(key);
    // Own keys only: `constructor` or `__proto__` is an unknown key, not an Object.prototype member.
    const field = Object.hasOwn(schema, name) ? schema[name] : undefined;
    const at = `${path}.${key}`;
    if (field === undefined) {
      throw invalidArgument(at, value, `a known key (${Object.keys(schema).map(snakeCase).join(', ')})`);
    }
    if (Object.hasOwn(out, name)) throw invalidArgument(at, value, `${snakeCase(name)} or ${name}, not both`);
    if (value === null) continue;
    out[name] = field.kind === 'object' && isObject(value) ? structFields(field.fields, value, at) : value;
  }
  return out;
}

function snakeKeys(config: Readonly<Json>): Json {
  const out: Json = {};
  for (const [name, value] of Object.entries(config)) {
    if (value !== undefined) out[snakeCase(name)] = isObject(value) ? snakeKeys(value) : value;
  }
  return out;
}

export function snakeCase(name: string): string {
  return name.replace(/(?<=[a-z0-9])([A-Z])/g, (c) => `_${c.toLowerCase()}`);
}

function camelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
