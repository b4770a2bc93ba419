import { invalidArgument } from '../core/index.js';
import { checkDefinition } from './define.js';
import { createLayersTrainer, type LayersTrainerOptions } from './layers/index.js';
import { memn2nTrainer } from './memn2n/index.js';
import { mlpTrainer } from './mlp/index.js';
import { neuralGpuTrainer } from './neural_gpu/index.js';
import { neuralProgrammerTrainer } from './neural_programmer/index.js';
import { nramTrainer } from './nram/index.js';
import { smokeTrainer } from './smoke/index.js';
import type { TrainerDefinition } from './types.js';

/**
 * The trainers one thread knows: the built-ins plus the plugins it loaded (`loadTrainerRegistry`).
 * It is a value handed to whatever needs a trainer (compilation, codecs, the worker loop), never a
 * module global: each worker thread builds its own, from the same module list, at boot.
 */
export interface TrainerRegistry {
  /** The trainer registered as `name`; INVALID_ARGUMENT (field `trainer`) if there is none. */
  get(name: string): TrainerDefinition;
  /** Whether `name` is registered. */
  has(name: string): boolean;
  /** All registered trainers, in registration order (built-ins first). */
  list(): readonly TrainerDefinition[];
}

/**
 * A registry of `definitions`, checked when it is built: each passes `checkDefinition` (schema,
 * defaults, metric declarations) and no name is taken twice. Throws an `Error` naming the trainer
 * otherwise, so a bad definition fails at start, not at its first run.
 */
export function createRegistry(definitions: readonly TrainerDefinition[]): TrainerRegistry {
  const byName = new Map<string, TrainerDefinition>();
  for (const definition of definitions) {
    checkDefinition(definition);
    if (byName.has(definition.name)) throw new Error(`trainer ${definition.name} is defined twice`);
    byName.set(definition.name, definition);
  }
  const all = [...byName.values()];
  return {
    get(name) {
      const trainer = byName.get(name);
      if (trainer === undefined)
        throw invalidArgument('trainer', name, `one of: ${[...byName.keys()].join(', ')}`);
      return trainer;
    },
    has: (name) => byName.has(name),
    list: () => all,
  };
}

/** Settings of the built-in trainers that come from the service's configuration. */
export interface BuiltinTrainerOptions {
  /** The `layers` trainer's parameter budget (`GRADNOISE_MAX_PARAMS`). */
  readonly layers?: LayersTrainerOptions;
}

/**
 * The built-in trainers under the service's settings. Adding one is one line here (and, for a typed
 * config, a message in training.proto). Building them only references and checks the definitions:
 * nothing trains, allocates tensors or reads data at import.
 */
export function builtinTrainerList(options: BuiltinTrainerOptions = {}): readonly TrainerDefinition[] {
  return [
    smokeTrainer,
    mlpTrainer,
    neuralGpuTrainer,
    nramTrainer,
    memn2nTrainer,
    neuralProgrammerTrainer,
    createLayersTrainer(options.layers),
  ];
}

/** The built-in trainers with default settings. */
export const BUILTIN_TRAINERS: readonly TrainerDefinition[] = builtinTrainerList();

/**
 * The registry of the built-in trainers alone: what a service without plugins uses, and the
 * default of the functions that take a registry (so tests need not build one).
 */
export const builtinTrainers: TrainerRegistry = createRegistry(BUILTIN_TRAINERS);
