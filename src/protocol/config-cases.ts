import { join } from 'node:path';
import protobuf from 'protobufjs';
import { PROTO_ROOT } from './proto.js';

const TRAINING_PROTO = 'gradnoise/v1/training.proto';
const STRUCT = 'google.protobuf.Struct';

/**
 * The typed cases of `StartRunRequest.config`, read from the .proto itself rather than kept in a
 * table: trainer `neural_gpu` has the case `neural_gpu` (`neuralGpu` once loaded); a trainer
 * without one (a plugin) travels as `config_struct`.
 *
 * proto-loader's descriptors do not say which fields belong to a oneof (every field gets
 * `oneofIndex` 0), so the file is parsed once more with protobufjs, which keeps the oneofs.
 * Returns case (camelCase) → message full name.
 */
export function configOneofCases(): ReadonlyMap<string, string> {
  const root = new protobuf.Root();
  // Well-known imports (google/protobuf/*) are protobufjs's bundled copies; ours resolve from the root.
  root.resolvePath = (_origin, target) =>
    target.startsWith('google/protobuf/') ? target : join(PROTO_ROOT, target);
  root.loadSync(TRAINING_PROTO);
  root.resolveAll();
  const oneof = root.lookupType('gradnoise.v1.StartRunRequest').oneofs?.config;
  if (oneof === undefined) throw new Error(`${TRAINING_PROTO}: StartRunRequest has no config oneof`);
  const out = new Map<string, string>();
  for (const field of oneof.fieldsArray) {
    const message = field.resolvedType?.fullName.replace(/^\./, '');
    if (message !== undefined && message !== STRUCT) out.set(field.name, message);
  }
  return out;
}
