import type { PackageDefinition } from '@grpc/proto-loader';
import { loadApi } from '../../protocol/proto.js';

/**
 * Which trainers have a typed config message in the `config` oneof of StartRunRequest, found by
 * convention in the loaded descriptors rather than kept in a table: trainer `neural_gpu` has the
 * case `neural_gpu` (`neuralGpu` once loaded) of type `gradnoise.v1.NeuralGpuConfig`. A trainer
 * without one (a plugin) travels as `config_struct`.
 */

const RUN_REQUEST = 'gradnoise.v1.StartRunRequest';
const PACKAGE = 'gradnoise.v1';

export interface TypedConfig {
  /** The oneof case as proto-loader names it (camelCase), e.g. `neuralGpu`. */
  readonly oneofCase: string;
  /** The message's full name, e.g. `gradnoise.v1.NeuralGpuConfig`. */
  readonly message: string;
}

let definition: PackageDefinition | undefined;
const cache = new Map<string, TypedConfig | null>();

interface FieldDescriptor {
  readonly name: string;
  readonly type: string;
  readonly typeName: string;
}

/** The typed config of `trainer`, or `undefined` when it has none. */
export function typedConfig(trainer: string): TypedConfig | undefined {
  let found = cache.get(trainer);
  if (found === undefined) {
    found = lookUp(trainer);
    cache.set(trainer, found);
  }
  return found ?? undefined;
}

function lookUp(trainer: string): TypedConfig | null {
  // The descriptors are a pure function of the .proto files: loaded once, on first use.
  definition ??= loadApi().definition;
  const oneofCase = trainer.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  const message = `${PACKAGE}.${oneofCase.charAt(0).toUpperCase()}${oneofCase.slice(1)}Config`;
  const fields = (definition[RUN_REQUEST]?.type as { field?: FieldDescriptor[] } | undefined)?.field ?? [];
  const field = fields.find((f) => f.name === oneofCase);
  if (field === undefined || field.type !== 'TYPE_MESSAGE' || definition[message] === undefined) return null;
  const typeName = field.typeName.replace(/^\./, '');
  const full = typeName.includes('.') ? typeName : `${PACKAGE}.${typeName}`;
  return full === message ? { oneofCase, message } : null;
}
