import { invalidArgument } from '../../core/index.js';
import type { ConfigSchema, FieldSchema } from './types.js';

/**
 * Validation of a config against its schema. Configs come from clients as JSON (a typed message
 * decoded, a `google.protobuf.Struct`, a stored spec), so nothing about their types is assumed.
 * Errors are INVALID_ARGUMENT naming the field path relative to the config, the value and what is
 * allowed: `depth: got 0; allowed: an integer in [1, 200]`, `data.source: got "cifar"; allowed:
 * one of: mnist, idx`, `widht: got 50; allowed: a known key (depth, width, …)`.
 */

const DEFAULT_MAX_STRING = 4096;

/** What a field accepts, in the words of its error messages (also shown by ListTrainers). */
export function allowedText(field: FieldSchema): string {
  switch (field.kind) {
    case 'int':
      return `${field.odd === true ? 'an odd integer' : 'an integer'} in [${field.min}, ${field.max}]`;
    case 'float':
      return `a number in [${field.min}, ${field.max}${field.maxExclusive === true ? ')' : ']'}`;
    case 'bool':
      return 'true or false';
    case 'string':
      return `a string of at most ${field.maxLength ?? DEFAULT_MAX_STRING} characters`;
    case 'enum':
      return `one of: ${field.choices.join(', ')}`;
    case 'intList':
      return `a list of at most ${field.maxItems} integers in [${field.min}, ${field.max}]`;
    case 'object':
      return 'an object';
  }
}

/** The field's default; `undefined` for an optional field. An object's is built from its fields. */
export function fieldDefault(field: FieldSchema): unknown {
  if (field.kind === 'object') return schemaDefaults(field.fields);
  if (field.kind === 'intList') return field.default === undefined ? undefined : [...field.default];
  return field.default;
}

/** The full default config: every field with a default, optional ones left out. */
export function schemaDefaults(schema: ConfigSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(schema)) {
    const value = fieldDefault(field);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/**
 * Validates `value` against `schema` and returns a new object with the schema's keys in
 * declaration order: missing fields take their defaults, optional ones without a value are left
 * out. `prefix` is the path of `value` ('' at the top). Unknown keys (usually typos) are refused.
 */
export function validateConfig(schema: ConfigSchema, value: unknown, prefix = ''): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidArgument(prefix === '' ? 'config' : prefix, value, 'an object');
  }
  const record = value as Readonly<Record<string, unknown>>;
  const known = Object.keys(schema);
  for (const key of Object.keys(record)) {
    if (!Object.hasOwn(schema, key)) {
      throw invalidArgument(join(prefix, key), record[key], `a known key (${known.join(', ')})`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(schema)) {
    const given = record[name];
    const checked =
      given === undefined
        ? field.kind === 'object'
          ? validateConfig(field.fields, {}, join(prefix, name))
          : fieldDefault(field)
        : validateField(join(prefix, name), field, given);
    if (checked !== undefined) out[name] = checked;
  }
  return out;
}

/** One field's value, checked; `path` names it in errors. */
export function validateField(path: string, field: FieldSchema, value: unknown): unknown {
  switch (field.kind) {
    case 'int':
      return integer(path, field.min, field.max, field.odd === true, value);
    case 'float': {
      const aboveMax =
        typeof value === 'number' && (field.maxExclusive === true ? value >= field.max : value > field.max);
      if (typeof value !== 'number' || !Number.isFinite(value) || value < field.min || aboveMax) {
        throw invalidArgument(path, value, allowedText(field));
      }
      return value;
    }
    case 'bool':
      if (typeof value !== 'boolean') throw invalidArgument(path, value, allowedText(field));
      return value;
    case 'string':
      if (typeof value !== 'string' || value.length > (field.maxLength ?? DEFAULT_MAX_STRING)) {
        throw invalidArgument(path, value, allowedText(field));
      }
      return value;
    case 'enum': {
      const match = field.choices.find((choice) => choice === value);
      if (match === undefined) throw invalidArgument(path, value, allowedText(field));
      return match;
    }
    case 'intList': {
      if (!Array.isArray(value) || value.length > field.maxItems) {
        throw invalidArgument(path, value, allowedText(field));
      }
      return value.map((item: unknown, i) => integer(`${path}[${i}]`, field.min, field.max, false, item));
    }
    case 'object':
      return validateConfig(field.fields, value, path);
  }
}

function integer(path: string, min: number, max: number, odd: boolean, value: unknown): number {
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < min ||
    value > max ||
    (odd && value % 2 === 0)
  ) {
    throw invalidArgument(path, value, `${odd ? 'an odd integer' : 'an integer'} in [${min}, ${max}]`);
  }
  return value;
}

function join(prefix: string, key: string): string {
  return prefix === '' ? key : `${prefix}.${key}`;
}
