import { tensorNameKey } from '../core/index.js';
import type { GradientEntry } from './gradients.js';

/**
 * The word that stands for each gradient's tensor in its noise key (`core/random.ts`): its position
 * in the gradient list (stream version 1, the default), or, after {@link byName}, the key of its
 * checkpoint name (version 2), which neither the order of the gradients nor tfjs's variable names
 * (they differ from process to process) can change.
 */
export class NoiseKeys {
  /** tfjs variable name → the key of its checkpoint name; null: keyed by position. */
  #byVariable: ReadonlyMap<string, number> | null = null;
  /** The key of each position of the current step's gradients (when keyed by name). */
  #positions: readonly number[] = [];

  /**
   * Keys by name from now on: `names` maps tfjs variable names to checkpoint names. Throws when two
   * names' keys collide, as the two tensors would then share their noise.
   */
  byName(names: ReadonlyMap<string, string>): void {
    const keys = new Map<string, number>();
    const owners = new Map<number, string>();
    for (const [variable, name] of names) {
      const key = tensorNameKey(name);
      const other = owners.get(key);
      if (other === name) {
        throw new Error(
          `noise keys: two variables are named ${JSON.stringify(name)}; they would share their noise`,
        );
      }
      if (other !== undefined) {
        throw new Error(
          `noise keys: tensor names ${JSON.stringify(other)} and ${JSON.stringify(name)} collide`,
        );
      }
      owners.set(key, name);
      keys.set(variable, key);
    }
    this.#byVariable = keys;
  }

  /**
   * Resolves the keys of a step's gradients. Throws for a gradient of a variable without a
   * checkpoint name when keyed by name: its noise would have no stable key.
   */
  forStep(entries: readonly GradientEntry[]): void {
    const keys = this.#byVariable;
    if (keys === null) return;
    this.#positions = entries.map((e) => {
      const key = keys.get(e.name);
      if (key === undefined) {
        throw new Error(`noise keys: variable ${JSON.stringify(e.name)} has no checkpoint name`);
      }
      return key;
    });
  }

  /** The key of the tensor at position `index` of the current step's gradients. */
  keyOf(index: number): number {
    return this.#byVariable === null ? index : (this.#positions[index] as number);
  }
}
