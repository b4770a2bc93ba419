import type { PackageDefinition } from '@grpc/proto-loader';
import { invalidArgument } from '../core/index.js';

/**
 * Field paths into proto messages, driven by the loaded descriptors rather than a hand-kept table,
 * so every scalar field of the API can be named and set from text: `mlp.depth=5`,
 * `optimizer.learning_rate=0.1`, `mlp.init=zero`. The CLI's `--set` and the sweep grid's axes use
 * the same grammar. Paths are written as in the .proto (snake_case); camelCase is accepted too.
 */

/** How a leaf field's text is parsed. */
export type ScalarKind = 'double' | 'int32' | 'uint32' | 'int64' | 'bool' | 'string' | 'enum';

export interface FieldPath {
  /** The canonical path, snake_case as in the .proto, e.g. `optimizer.learning_rate`. */
  readonly path: string;
  /** Keys of the loaded message objects along the path (camelCase), e.g. `optimizer`, `learningRate`. */
  readonly keys: readonly string[];
  /** Full names of the messages holding each key, root first. */
  readonly messages: readonly string[];
  readonly kind: ScalarKind;
  /** A repeated scalar (only when resolved with `allowRepeated`): its text is a comma-separated list. */
  readonly repeated: boolean;
  /** For enums: the value names (UNSPECIFIED excluded) and the prefix their short names drop. */
  readonly enumNames: readonly string[];
  readonly enumPrefix: string;
}

/** A parsed value: what goes into the message, and its canonical text (e.g. `0.1`, `zero`, `20,40`). */
export interface FieldValue {
  readonly value: string | number | boolean | ReadonlyArray<string | number | boolean>;
  readonly text: string;
}

interface FieldDescriptor {
  readonly name: string;
  readonly label: string;
  readonly type: string;
  readonly typeName: string;
}

const SCALAR: Readonly<Record<string, ScalarKind>> = {
  TYPE_DOUBLE: 'double',
  TYPE_FLOAT: 'double',
  TYPE_INT32: 'int32',
  TYPE_SINT32: 'int32',
  TYPE_SFIXED32: 'int32',
  TYPE_UINT32: 'uint32',
  TYPE_FIXED32: 'uint32',
  TYPE_INT64: 'int64',
  TYPE_SINT64: 'int64',
  TYPE_SFIXED64: 'int64',
  TYPE_UINT64: 'int64',
  TYPE_FIXED64: 'int64',
  TYPE_BOOL: 'bool',
  TYPE_STRING: 'string',
  TYPE_ENUM: 'enum',
};

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;

/**
 * Resolves `path` against the message `rootType` (a full name such as `gradnoise.v1.StartRunRequest`).
 * The leaf must be a scalar or enum field, singular unless `allowRepeated` (then a repeated scalar,
 * e.g. `neural_gpu.test_lengths`, is allowed too; maps and repeated messages never are). Throws
 * INVALID_ARGUMENT on `errorField` naming what was allowed at the first segment that does not resolve.
 */
export function resolveFieldPath(
  definition: PackageDefinition,
  rootType: string,
  path: string,
  errorField: string,
  options: { readonly allowRepeated?: boolean } = {},
): FieldPath {
  const segments = path.split('.');
  const keys: string[] = [];
  const messages: string[] = [];
  let message = rootType;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] ?? '';
    const fields = messageFields(definition, message);
    const key = camelCase(segment);
    const field = fields.find((f) => f.name === key);
    const prefix = segments.slice(0, i).join('.');
    if (field === undefined) {
      const names = fields.map((f) => (prefix === '' ? '' : `${prefix}.`) + snakeCase(f.name));
      throw invalidArgument(errorField, path, `a field path such as ${names.join(', ')}`);
    }
    keys.push(key);
    messages.push(message);
    const last = i === segments.length - 1;
    const repeated = field.label === 'LABEL_REPEATED';
    if (repeated && !(options.allowRepeated === true && last && field.type !== 'TYPE_MESSAGE')) {
      throw invalidArgument(
        errorField,
        path,
        options.allowRepeated === true
          ? 'a singular field or a list of scalars (maps and lists of messages cannot be set)'
          : 'a singular field (repeated fields and maps cannot be set)',
      );
    }
    if (field.type === 'TYPE_MESSAGE') {
      if (last)
        throw invalidArgument(errorField, path, `a scalar field inside ${keys.map(snakeCase).join('.')}`);
      message = resolveTypeName(definition, message, field.typeName);
      continue;
    }
    const kind = SCALAR[field.type];
    if (!last || kind === undefined) {
      throw invalidArgument(
        errorField,
        path,
        `a path ending at a scalar field (${segment} is ${field.type})`,
      );
    }
    const enumNames = kind === 'enum' ? enumValueNames(definition, message, field.typeName) : [];
    return {
      path: keys.map(snakeCase).join('.'),
      keys,
      messages,
      kind,
      repeated,
      enumNames: enumNames.filter((n) => !n.endsWith('_UNSPECIFIED')),
      enumPrefix: commonPrefix(enumNames),
    };
  }
  throw invalidArgument(errorField, path, 'a non-empty field path');
}

/**
 * Parses `text` for the field's type; for a repeated field, a comma-separated list of such values
 * (empty text: the empty list). Throws INVALID_ARGUMENT on `errorField` with the allowed form.
 */
export function parseFieldValue(field: FieldPath, text: string, errorField: string): FieldValue {
  if (!field.repeated) return parseScalar(field, text, errorField);
  const items =
    text.trim() === ''
      ? []
      : text.split(',').map((item, i) => parseScalar(field, item, `${errorField}[${i}]`));
  return {
    value: items.map((item) => item.value as string | number | boolean),
    text: items.map((item) => item.text).join(','),
  };
}

function parseScalar(field: FieldPath, text: string, errorField: string): FieldValue {
  const trimmed = text.trim();
  switch (field.kind) {
    case 'double': {
      const value = Number(trimmed);
      if (!NUMBER.test(trimmed) || !Number.isFinite(value))
        throw invalidArgument(errorField, text, 'a number');
      return { value, text: String(value) };
    }
    case 'int32':
    case 'uint32': {
      const [min, max] = field.kind === 'int32' ? [-(2 ** 31), 2 ** 31 - 1] : [0, 2 ** 32 - 1];
      const value = Number(trimmed);
      if (!INTEGER.test(trimmed) || value < min || value > max) {
        throw invalidArgument(errorField, text, `an integer in [${min}, ${max}]`);
      }
      return { value, text: String(value) };
    }
    case 'int64': {
      const value = Number(trimmed);
      if (!INTEGER.test(trimmed) || !Number.isSafeInteger(value)) {
        throw invalidArgument(errorField, text, 'an integer');
      }
      return { value: String(value), text: String(value) };
    }
    case 'bool': {
      const lower = trimmed.toLowerCase();
      if (lower !== 'true' && lower !== 'false') throw invalidArgument(errorField, text, 'true or false');
      return { value: lower === 'true', text: lower };
    }
    case 'string':
      return { value: text, text };
    case 'enum': {
      // `box-muller` is accepted for BOX_MULLER: hyphens are how flags are usually spelt.
      const upper = trimmed.toUpperCase().replaceAll('-', '_');
      const name = field.enumNames.find((n) => n === upper || n === field.enumPrefix + upper);
      const shortNames = field.enumNames.map((n) => n.slice(field.enumPrefix.length).toLowerCase());
      if (name === undefined) throw invalidArgument(errorField, text, `one of ${shortNames.join(', ')}`);
      return { value: name, text: name.slice(field.enumPrefix.length).toLowerCase() };
    }
  }
}

/**
 * Sets the field in `message` (a plain object as proto-loader reads or writes messages), creating
 * the messages along the path. A created message gets empty arrays for its repeated fields, as a
 * decoded one would have, and no scalars: unset means "the default" to every reader of the API.
 */
export function setFieldValue(
  definition: PackageDefinition,
  message: Record<string, unknown>,
  field: FieldPath,
  value: FieldValue['value'],
): void {
  let target = message;
  for (let i = 0; i < field.keys.length - 1; i++) {
    const key = field.keys[i] as string;
    const existing = target[key];
    if (typeof existing === 'object' && existing !== null) {
      target = existing as Record<string, unknown>;
      continue;
    }
    const created: Record<string, unknown> = {};
    const childType = field.messages[i + 1] as string;
    for (const f of messageFields(definition, childType)) {
      if (f.label === 'LABEL_REPEATED') created[f.name] = f.type === 'TYPE_MESSAGE' ? {} : [];
    }
    target[key] = created;
    target = created;
  }
  target[field.keys[field.keys.length - 1] as string] = value;
}

function messageFields(definition: PackageDefinition, fullName: string): readonly FieldDescriptor[] {
  const type = definition[fullName]?.type as { field?: unknown } | undefined;
  if (!type || !Array.isArray(type.field)) throw new Error(`no message ${fullName} in the loaded protos`);
  return type.field as FieldDescriptor[];
}

function enumValueNames(definition: PackageDefinition, scope: string, typeName: string): string[] {
  const fullName = resolveTypeName(definition, scope, typeName);
  const type = definition[fullName]?.type as { value?: { name: string }[] } | undefined;
  return (type?.value ?? []).map((v) => v.name);
}

/** Resolves a (possibly relative) type name as protoc does: innermost package scope first. */
function resolveTypeName(definition: PackageDefinition, scope: string, typeName: string): string {
  const name = typeName.replace(/^\./, '');
  const parts = scope.split('.').slice(0, -1);
  for (let n = parts.length; n >= 0; n--) {
    const candidate = [...parts.slice(0, n), name].join('.');
    if (candidate in definition) return candidate;
  }
  throw new Error(`cannot resolve type ${typeName} from ${scope}`);
}

/** The longest `_`-terminated prefix all names share (`MLP_INIT_` for MlpInit). */
function commonPrefix(names: readonly string[]): string {
  const first = names[0] ?? '';
  let end = first.length;
  for (const name of names) {
    let i = 0;
    while (i < end && name[i] === first[i]) i++;
    end = i;
  }
  const cut = first.lastIndexOf('_', end - 1);
  return cut < 0 ? '' : first.slice(0, cut + 1);
}

function camelCase(segment: string): string {
  return segment.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function snakeCase(key: string): string {
  return key.replace(/([A-Z])/g, (c) => `_${c.toLowerCase()}`);
}
