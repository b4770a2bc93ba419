import { configOneofCases } from '../../protocol/index.js';

/**
 * Which trainers have a typed config message in the `config` oneof of StartRunRequest (see
 * `configOneofCases` in src/protocol): trainer `neural_gpu` has the case `neuralGpu`. A trainer
 * without one (a plugin) travels as `config_struct`.
 */

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
  cases ??= configOneofCases();
  const oneofCase = trainer.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  const message = cases.get(oneofCase);
  return message === undefined ? undefined : { oneofCase, message };
}
