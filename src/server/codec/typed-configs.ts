import { join } from 'node:path';
import protobuf from 'protobufjs';
import { PROTO_ROOT } from '../../protocol/proto.js';

/**
 * Which trainers have a typed config message in the `config` oneof of StartRunRequest, read from
 * the .proto itself rather than kept in a table: trainer `neural_gpu` has the case `neural_gpu`
 * (`neuralGpu` once loaded). A trainer without one (a plugin) travels as `config_struct`.
 *
 * proto-loader's descriptors do not say which fields belong to a oneof (every field gets
 * `oneofIndex` 0), so the file is parsed once more with protobufjs, which keeps the oneofs.
 */

const TRAINING_PROTO = 'gradnoise/v1/training.proto';
const STRUCT = 'google.protobuf.Struct';

export interface TypedConfig {
  /** The oneof case as proto-loader names it (camelCase), e.g. `neuralGpu`. */
  readonly oneofCase: string;
  /** The message's full name, e.g. `gradnoise.v1.NeuralGpuConfig`. */
  readonly message: string;
}

let cases: ReadonlyMap<string, string> | undefined;

/** The typed config of `trainer`, or `undefined` when it has none. */
export function typedConfig(trainer: string): TypedConfig | undefined {
  // The oneof is a pure function of the .proto files: read once, on first use.
  cases ??= loadConfigCases();
  const oneofCase = trainer.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  const message = cases.get(oneofCase);
  return message === undefined ? undefined : { oneofCase, message };
}

/** The typed oneof cases of StartRunRequest.config, case (camelCase) → message full name. */
function loadConfigCases(): ReadonlyMap<string, string> {
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
