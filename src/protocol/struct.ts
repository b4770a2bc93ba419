import { invalidArgument } from '../core/index.js';
import type { ListValue } from '../generated/proto/google/protobuf/ListValue.js';
import type { Struct, Struct__Output } from '../generated/proto/google/protobuf/Struct.js';
import type { Value, Value__Output } from '../generated/proto/google/protobuf/Value.js';

/**
 * `google.protobuf.Struct` ↔ JSON. proto-loader hands a Struct over as its messages
 * (`{fields: {key: {kind: 'numberValue', numberValue: 5}}}`), not as the JSON it stands for, so
 * requests and answers convert here. Numbers are doubles on the wire: an integer field gets a
 * whole double and the schema checks it.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The JSON a decoded Struct stands for; `path` names a malformed value in errors. */
export function structToJson(struct: Struct__Output, path: string): { [key: string]: Json } {
  // No prototype: a `__proto__` key is data like any other (the schema then refuses it by name).
  const out: { [key: string]: Json } = Object.create(null) as { [key: string]: Json };
  for (const [key, value] of Object.entries(struct.fields ?? {}))
    out[key] = valueToJson(value, `${path}.${key}`);
  return out;
}

/** The `Value` members a value built in this process (not decoded) may set, in place of `kind`. */
const KINDS = ['numberValue', 'stringValue', 'boolValue', 'structValue', 'listValue', 'nullValue'] as const;

function valueToJson(value: Value__Output, path: string): Json {
  // A decoded Value names its case in `kind`; one built by `jsonToValue` (a sweep cell's config)
  // only sets the member.
  const kind = value.kind ?? KINDS.find((k) => value[k] !== undefined && value[k] !== null);
  switch (kind) {
    case 'numberValue':
      return value.numberValue ?? 0;
    case 'stringValue':
      return value.stringValue ?? '';
    case 'boolValue':
      return value.boolValue ?? false;
    case 'structValue':
      return value.structValue ? structToJson(value.structValue, path) : {};
    case 'listValue':
      return (value.listValue?.values ?? []).map((item, i) => valueToJson(item, `${path}[${i}]`));
    case 'nullValue':
    case undefined:
      return null;
    default:
      throw invalidArgument(path, value.kind, 'a google.protobuf.Value');
  }
}

/** A JSON value as a `google.protobuf.Value`, for answers. */
export function jsonToValue(value: unknown): Value {
  if (value === null || value === undefined) return { nullValue: 'NULL_VALUE' };
  if (typeof value === 'number') return { numberValue: value };
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (Array.isArray(value)) return { listValue: { values: value.map(jsonToValue) } satisfies ListValue };
  return { structValue: jsonToStruct(value as Readonly<Record<string, unknown>>) };
}

/** A JSON object as a `google.protobuf.Struct`; `undefined` members are left out. */
export function jsonToStruct(value: Readonly<Record<string, unknown>>): Struct {
  return {
    fields: Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, jsonToValue(v)]),
    ),
  };
}
