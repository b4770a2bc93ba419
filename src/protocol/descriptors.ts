import type { PackageDefinition } from '@grpc/proto-loader';

/**
 * Reading the loaded descriptors (proto-loader's `PackageDefinition`) for field paths: a message's
 * fields, an enum's value names, type names resolved as protoc does, and the naming conventions.
 */

/** A field as the loaded descriptor lists it (`google.protobuf.FieldDescriptorProto`). */
export interface FieldDescriptor {
  readonly name: string;
  readonly label: string;
  readonly type: string;
  readonly typeName: string;
}

/** The fields of the message `fullName`; throws (a bug, not bad input) when it is not loaded. */
export function messageFields(definition: PackageDefinition, fullName: string): readonly FieldDescriptor[] {
  const type = definition[fullName]?.type as { field?: unknown } | undefined;
  if (!type || !Array.isArray(type.field)) throw new Error(`no message ${fullName} in the loaded protos`);
  return type.field as FieldDescriptor[];
}

export function enumValueNames(definition: PackageDefinition, scope: string, typeName: string): string[] {
  const fullName = resolveTypeName(definition, scope, typeName);
  const type = definition[fullName]?.type as { value?: { name: string }[] } | undefined;
  return (type?.value ?? []).map((v) => v.name);
}

/** Resolves a (possibly relative) type name as protoc does: innermost package scope first. */
export function resolveTypeName(definition: PackageDefinition, scope: string, typeName: string): string {
  const name = typeName.replace(/^\./, '');
  const parts = scope.split('.').slice(0, -1);
  for (let n = parts.length; n >= 0; n--) {
    const candidate = [...parts.slice(0, n), name].join('.');
    if (candidate in definition) return candidate;
  }
  throw new Error(`cannot resolve type ${typeName} from ${scope}`);
}

/** The longest `_`-terminated prefix all names share (`MLP_INIT_` for MlpInit). */
export function commonPrefix(names: readonly string[]): string {
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

export function camelCase(segment: string): string {
  return segment.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

export function snakeCase(key: string): string {
  return key.replace(/([A-Z])/g, (c) => `_${c.toLowerCase()}`);
}
