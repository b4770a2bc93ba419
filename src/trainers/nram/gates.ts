import * as tf from '@tensorflow/tfjs';

/**
 * The NRAM's modules ("gates", Kurach et al., 2016, §3.1), in the paper's order. A value is a
 * probability distribution over {0, …, M − 1}; a gate is the integer operation `m` mod M lifted to
 * distributions, P(out = c) = Σ_{a,b} A(a) B(b) [m(a, b) = c], so one-hot inputs give the one-hot
 * of the integer result. Tests are 0/1 values; WRITE returns 0.
 */
export const GATES = [
  { name: 'read', arity: 1 },
  { name: 'zero', arity: 0 },
  { name: 'one', arity: 0 },
  { name: 'two', arity: 0 },
  { name: 'inc', arity: 1 },
  { name: 'add', arity: 2 },
  { name: 'sub', arity: 2 },
  { name: 'dec', arity: 1 },
  { name: 'less_than', arity: 2 },
  { name: 'less_or_equal', arity: 2 },
  { name: 'equal', arity: 2 },
  { name: 'min', arity: 2 },
  { name: 'max', arity: 2 },
  { name: 'write', arity: 2 },
] as const;

export type GateName = (typeof GATES)[number]['name'];

/** The integer semantics of every gate but READ and WRITE (which act on memory), mod `m`. */
export function integerGate(name: GateName, m: number, a = 0, b = 0): number {
  const mod = (x: number) => ((x % m) + m) % m;
  switch (name) {
    case 'zero':
      return 0;
    case 'one':
      return mod(1);
    case 'two':
      return mod(2);
    case 'inc':
      return mod(a + 1);
    case 'dec':
      return mod(a - 1);
    case 'add':
      return mod(a + b);
    case 'sub':
      return mod(a - b);
    case 'less_than':
      return a < b ? 1 : 0;
    case 'less_or_equal':
      return a <= b ? 1 : 0;
    case 'equal':
      return a === b ? 1 : 0;
    case 'min':
      return Math.min(a, b);
    case 'max':
      return Math.max(a, b);
    case 'read':
    case 'write':
      throw new RangeError(`gate ${name} acts on memory, it has no integer table`);
  }
}

/**
 * `Mᵀp`: the value read at a fuzzy address, Σ_i p(i) · row i. `memory` `[B, M, M]` (row i is cell
 * i's distribution), `address` `[B, M]`; returns `[B, M]`.
 */
export function readMemory(memory: tf.Tensor3D, address: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const [batch, m] = address.shape;
    return tf.reshape(tf.matMul(tf.reshape(address, [batch, 1, m]), memory), [batch, m]);
  });
}

/**
 * `M ← (1 − p)1ᵀ ∘ M + p aᵀ`: cell i keeps its content with probability 1 − p(i) and takes the
 * value `a` with probability p(i), so every row stays a distribution.
 */
export function writeMemory(memory: tf.Tensor3D, address: tf.Tensor2D, value: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => {
    const [batch, m] = address.shape;
    const p = tf.reshape(address, [batch, m, 1]);
    const written = tf.mul(p, tf.reshape(value, [batch, 1, m]));
    return tf.add(tf.mul(tf.sub(1, p), memory), written);
  });
}

/**
 * The gates of one memory size: constant one-hot tables built once (`[M]` for constants, `[M, M]`
 * for unary, `[M·M, M]` for binary operations), so a gate is one or two batched products.
 * Owns its tensors: `dispose` frees them.
 */
export class GateSet {
  readonly memorySize: number;
  readonly #tables: ReadonlyMap<GateName, tf.Tensor>;

  constructor(memorySize: number) {
    this.memorySize = memorySize;
    const m = memorySize;
    const tables = new Map<GateName, tf.Tensor>();
    for (const { name, arity } of GATES) {
      if (name === 'read' || name === 'write') continue;
      const rows = m ** arity;
      const values = new Float32Array(rows * m);
      for (let row = 0; row < rows; row += 1) {
        const a = arity === 2 ? Math.floor(row / m) : row;
        const b = row % m;
        values[row * m + integerGate(name, m, a, b)] = 1;
      }
      tables.set(name, tf.tensor(values, arity === 0 ? [m] : [rows, m]));
    }
    this.#tables = tables;
  }

  /**
   * Applies gate `name` to `inputs` (`arity` values `[B, M]`) over `memory` `[B, M, M]`. Returns
   * the gate's output `[B, M]` and the memory after it (the same tensor unless it is WRITE).
   */
  apply(
    name: GateName,
    inputs: readonly tf.Tensor2D[],
    memory: tf.Tensor3D,
  ): { output: tf.Tensor2D; memory: tf.Tensor3D } {
    const [a, b] = inputs;
    const batch = memory.shape[0];
    const m = this.memorySize;
    if (name === 'read') return { output: readMemory(memory, a as tf.Tensor2D), memory };
    if (name === 'write') {
      const zero = tf.oneHot(tf.zeros([batch], 'int32'), m) as tf.Tensor2D;
      return {
        output: tf.cast(zero, 'float32'),
        memory: writeMemory(memory, a as tf.Tensor2D, b as tf.Tensor2D),
      };
    }
    const table = this.#tables.get(name) as tf.Tensor;
    if (table.rank === 1) return { output: tf.tile(tf.reshape(table, [1, m]), [batch, 1]), memory };
    if (b === undefined) return { output: tf.matMul(a as tf.Tensor2D, table as tf.Tensor2D), memory };
    // The joint distribution of independent a and b, [B, M·M], through the table of m(a, b).
    const joint = tf.reshape(
      tf.mul(tf.reshape(a as tf.Tensor2D, [batch, m, 1]), tf.reshape(b, [batch, 1, m])),
      [batch, m * m],
    );
    return { output: tf.matMul(joint, table as tf.Tensor2D), memory };
  }

  dispose(): void {
    tf.dispose([...this.#tables.values()]);
  }
}
