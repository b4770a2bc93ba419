import { invalidArgument } from '../core/index.js';
import { mlpTrainer } from './mlp/index.js';
import { neuralGpuTrainer } from './neural_gpu/index.js';
import { smokeTrainer } from './smoke/index.js';
import type { TrainerDefinition } from './types.js';

/**
 * Every trainer, by registry name. Adding a trainer is one line here. Building this map only
 * references the definitions: nothing trains, allocates tensors or reads data at import.
 */
const TRAINERS: ReadonlyMap<string, TrainerDefinition> = new Map<string, TrainerDefinition>(
  [smokeTrainer, mlpTrainer, neuralGpuTrainer].map((trainer: TrainerDefinition) => [trainer.name, trainer]),
);

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
