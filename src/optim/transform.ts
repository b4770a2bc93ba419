/**
 * Gradient transformations in the style of optax (`optax/_src/base.py`): a pair of pure functions
 * over an explicit state record, composed with {@link chain}.
 *
 * They work on host arrays, one `Float32Array` per variable, because the noisy optimizer has the
 * gradients on the host anyway (it must read their global norm every step, see `noisy-optimizer.ts`)
 * and one pass of plain JavaScript over a buffer is far cheaper on the cpu and wasm backends than
 * a chain of small tensor ops per variable.
 */

/**
 * One value per variable, in a fixed variable order: the position in the list is the variable's
 * index, and the noise of a variable is keyed by that index. `null` marks a variable that has no
 * gradient this step; transformations pass it through untouched.
 *
 * Arrays are never mutated: a transformation returns new arrays (or the same ones, unchanged), so
 * inputs may alias tensor storage (the cpu backend's `dataSync` returns its own buffer).
 */
export type HostTensors = readonly (Float32Array | null)[];

/** What `update` returns: the transformed updates and the next state. */
export interface TransformResult<S> {
  readonly updates: HostTensors;
  readonly state: S;
}

/**
 * A pure gradient transformation: `init` builds the starting state from the parameters (or their
 * shapes), `update` maps (updates, state) to (new updates, new state). States are small plain
 * records that serialise to JSON, so a checkpoint stores them as they are.
 */
export interface GradientTransformation<S> {
  init(params: HostTensors): S;
  update(updates: HostTensors, state: S, params?: HostTensors): TransformResult<S>;
}

/** The state of a transformation that keeps none. */
export type EmptyState = Readonly<Record<string, never>>;

export const EMPTY_STATE: EmptyState = Object.freeze({});

/** The state types of a tuple of transformations, position by position. */
export type StatesOf<T extends readonly GradientTransformation<unknown>[]> = {
  readonly [K in keyof T]: T[K] extends GradientTransformation<infer S> ? S : never;
};

/**
 * Applies `transforms` in order, each to the output of the one before (optax `chain`). The state is
 * the tuple of their states. `chain()` is the identity.
 */
export function chain<T extends readonly GradientTransformation<unknown>[]>(
  ...transforms: T
): GradientTransformation<StatesOf<T>> {
  return {
    init(params) {
      return transforms.map((t) => t.init(params)) as unknown as StatesOf<T>;
    },
    update(updates, state, params) {
      const states = state as readonly unknown[];
      const next: unknown[] = [];
      let current = updates;
      transforms.forEach((t, i) => {
        const result = t.update(current, states[i], params);
        current = result.updates;
        next.push(result.state);
      });
      return { updates: current, state: next as unknown as StatesOf<T> };
    },
  };
}

/** Maps every non-null array through `f`, keeping nulls, for transformations' bodies. */
export function mapHost(
  updates: HostTensors,
  f: (values: Float32Array, index: number) => Float32Array,
): HostTensors {
  return updates.map((values, index) => (values === null ? null : f(values, index)));
}
