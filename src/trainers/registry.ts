import { invalidArgument } from '../core/index.js';
import { checkDefinition } from './define.js';
import { mlpTrainer } from './mlp/index.js';
import { neuralGpuTrainer } from './neural_gpu/index.js';
import { smokeTrainer } from './smoke/index.js';
import type { TrainerDefinition } from './types.js';

/**
 * Trainers by registry name, checked when the map is built: each definition passes
 * `checkDefinition` (schema, defaults, metric declarations) and no name is taken twice. Throws an
 * `Error` naming the trainer otherwise, so a bad definition fails at start, not at its first run.
 */
export function createRegistry(
  definitions: readonly TrainerDefinition[],
): ReadonlyMap<string, TrainerDefinition> {
  const registry = new Map<string, TrainerDefinition>();
  for (const definition of definitions) {
    checkDefinition(definition);
    if (registry.has(definition.name)) throw new Error(`trainer ${definition.name} is defined twice`);
    registry.set(definition.name, definition);
  }
  return registry;
}

/**
 * Every trainer, by registry name. Adding a trainer is one line here. Building this map only
 * references and checks the definitions: nothing trains, allocates tensors or reads data at import.
 */
const TRAINERS = createRegistry([smokeTrainer, mlpTrainer, neuralGpuTrainer]);

/** The trainer registered as `name`; INVALID_ARGUMENT (field `trainer`) if there is none. */
export function getTrainer(name: string): TrainerDefinition {
  const trainer = TRAINERS.get(name);
  if (trainer === undefined)
    throw invalidArgument('trainer', name, `one of: ${[...TRAINERS.keys()].join(', ')}`);
  return trainer;
}

/** All registered trainers, in registration order. */
export function listTrainers(): TrainerDefinition[] {
  return [...TRAINERS.values()];
}
