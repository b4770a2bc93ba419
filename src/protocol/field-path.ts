import type { PackageDefinition } from '@grpc/proto-loader';
import { invalidArgument } from '../core/index.js';
import {
  camelCase,
  commonPrefix,
  enumValueNames,
  messageFields,
  resolveTypeName,
  snakeCase,
} from './descriptors.js';

/**
 * Field paths into proto messages, driven by the loaded descriptors rather than a hand-kept table,
 * so every scalar field of the API can be named and set from text: `mlp.depth=5`,
 * `optimizer.learning_rate=0.1`, `mlp.init=zero`. The CLI's `--set` and the sweep grid's axes use
 * the same grammar. Paths are written as in the .proto (snake_case); camelCase is accepted too.
 * Resolving a path is here; parsing a value for it and setting it in a message, `field-value.ts`.
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
