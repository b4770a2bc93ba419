import type { PackageDefinition } from '@grpc/proto-loader';
import { invalidArgument } from '../core/index.js';
import { messageFields } from './descriptors.js';
import type { FieldPath } from './field-path.js';

/** A parsed value: what goes into the message, and its canonical text (e.g. `0.1`, `zero`, `20,40`). */
export interface FieldValue {
  readonly value: string | number | boolean | ReadonlyArray<string | number | boolean>;
  readonly text: string;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;

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
