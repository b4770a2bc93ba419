/**
 * Gradient transformations in the style of optax (`optax/_src/base.py`): a pair of pure functions
 * over an explicit state record, composed with {@link chain}. The noisy optimizer is such a chain,
 * clipping then noise (`host-step.ts`).
 *
 * **Elements.** A transformation maps one value per variable, of an element type `E`, to new
 * values of the same type. Nothing in the interface, in {@link chain} or in the states reads an
 * element, so `E` is whatever the transformations agree on:
 * - `Float32Array` (the default, {@link HostTensors}) is what runs today: the noisy optimizer has
 *   the gradients on the host anyway (it reads their global norm every step to skip non-finite
 *   ones), and one pass of plain JavaScript over a buffer is far cheaper on the cpu and wasm
 *   backends than a chain of small tensor ops per variable.
 * - `tf.Tensor` is the device path: transformations whose bodies are tensor ops (a global norm
 *   reduced on the device, noise drawn by a kernel keyed like the host streams) chain the same way
 *   with the same states, so a GPU backend clips and adds noise without a host round trip, and a
 *   checkpoint holds the same `{step, seed}` whichever path wrote it. Only the element type and the
 *   bodies change; ownership (below) then means a donated tensor may be disposed or overwritten.
 *
 * States are small plain records that serialise to JSON, never tensors, so a checkpoint stores them
 * as they are.
 */

/**
 * One value per variable, in a fixed variable order: the position in the list is the variable's
 * index, and the noise of a variable is keyed by that index. `null` marks a variable that has no
 * gradient this step; transformations pass it through untouched.
 */
export type Updates<E> = readonly (E | null)[];

/**
 * {@link Updates} on the host, one `Float32Array` per variable. Inputs may alias tensor storage
 * (the cpu backend's own array, a view of the wasm heap).
 */
export type HostTensors = Updates<Float32Array>;

/** What `update` returns: the transformed updates and the next state. */
export interface TransformResult<S, E = Float32Array> {
  readonly updates: Updates<E>;
  readonly state: S;
}

/**
 * A pure gradient transformation: `init` builds the starting state from the parameters (or their
 * shapes), `update` maps (updates, state) to (new updates, new state).
 *
 * Ownership: a transformation never changes an input value, except one the caller donated (like
 * JAX's `donate_argnums`): where `donated[i]` is true, it may write its result for variable i into
 * `updates[i]` and return that same value. Each returned value is either the input value of its
 * variable (unchanged, or written if donated) or a new one that belongs to the caller alone.
 * `donated` only allows: a transformation that ignores it is correct, and results are the same
 * to the last bit either way.
 */
export interface GradientTransformation<S, E = Float32Array> {
  init(params: Updates<E>): S;
  update(
    updates: Updates<E>,
    state: S,
    params?: Updates<E>,
    donated?: readonly boolean[],
  ): TransformResult<S, E>;
}

/** The state of a transformation that keeps none. */
export type EmptyState = Readonly<Record<string, never>>;

export const EMPTY_STATE: EmptyState = Object.freeze({});

/** The state types of a tuple of transformations, position by position. */
export type StatesOf<T extends readonly GradientTransformation<unknown, unknown>[]> = {
  readonly [K in keyof T]: T[K] extends GradientTransformation<infer S, unknown> ? S : never;
};

/** The element type a tuple of transformations shares (`unknown` for none). */
export type ElementOf<T extends readonly GradientTransformation<unknown, unknown>[]> = [T[number]] extends [
  GradientTransformation<unknown, infer E>,
]
  ? E
  : never;

/**
 * Applies `transforms` in order, each to the output of the one before (optax `chain`). The state is
 * the tuple of their states. `chain()` is the identity.
 *
 * Ownership carries along the chain: a value one transformation returns new belongs to the chain,
 * so it is donated to the next; a value passed through stays donated only if it was.
 */
export function chain<T extends readonly GradientTransformation<unknown, unknown>[]>(
  ...transforms: T
): GradientTransformation<StatesOf<T>, ElementOf<T>> {
  type E = ElementOf<T>;
  return {
    init(params) {
      return transforms.map((t) => t.init(params)) as unknown as StatesOf<T>;
    },
    update(updates, state, params, donated) {
      const states = state as readonly unknown[];
      const next: unknown[] = [];
      let current = updates;
      let owned = donated;
      transforms.forEach((t, i) => {
        const result = t.update(current, states[i], params, owned) as TransformResult<unknown, E>;
        if (i + 1 < transforms.length) owned = ownedAfter(current, result.updates, owned);
        current = result.updates;
        next.push(result.state);
      });
      return { updates: current, state: next as unknown as StatesOf<T> };
    },
  };
}

/** Which of `after` the caller may donate onward: the new values, and those donated to begin with. */
function ownedAfter<E>(
  before: Updates<E>,
  after: Updates<E>,
  donated: readonly boolean[] | undefined,
): readonly boolean[] | undefined {
  if (after === before) return donated;
  return after.map((value, i) => value !== null && (value !== before[i] || donated?.[i] === true));
}

/** Maps every non-null array through `f`, keeping nulls, for transformations' bodies. */
export function mapHost(
  updates: HostTensors,
  f: (values: Float32Array, index: number) => Float32Array,
): HostTensors {
  return updates.map((values, index) => (values === null ? null : f(values, index)));
}
