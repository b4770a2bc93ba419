import * as tf from '@tensorflow/tfjs';
import { ConstantMap } from './products.js';

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

const GATE_ARITY: ReadonlyMap<GateName, number> = new Map(GATES.map(({ name, arity }) => [name, arity]));

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
    return writeRows(memory, tf.reshape(address, [batch, 1, m]), tf.reshape(value, [batch, 1, m]));
  });
}

/**
 * The gates of one memory size: constant one-hot tables built once (`[M]` for constants, `[M, M]`
 * for unary, `[M·M, M]` for binary operations), so an integer gate is one product with its table
 * (binary: of the joint `a ⊗ b` `[B, M·M]`, one broadcast multiplication). The machine keeps
 * values as rows `[B, 1, M]` and calls {@link GateSet.applyRows}; {@link GateSet.apply} is the
 * same on `[B, M]`.
 * Owns its tensors: `dispose` frees them.
 */
export class GateSet {
  readonly memorySize: number;
  readonly #tables: ReadonlyMap<GateName, ConstantMap>;

  constructor(memorySize: number) {
    this.memorySize = memorySize;
    const m = memorySize;
    const tables = new Map<GateName, ConstantMap>();
    for (const { name, arity } of GATES) {
      if (name === 'read' || name === 'write') continue;
      const rows = m ** arity;
      const values = new Float32Array(rows * m);
      for (let row = 0; row < rows; row += 1) {
        const a = arity === 2 ? Math.floor(row / m) : row;
        const b = row % m;
        values[row * m + integerGate(name, m, a, b)] = 1;
      }
      tables.set(name, new ConstantMap(tf.tensor2d(values, [arity === 0 ? 1 : rows, m])));
    }
    this.#tables = tables;
  }

  /** The one-hot output `[1, M]` of a constant gate (ZERO, ONE, TWO). */
  constant(name: GateName): tf.Tensor2D {
    const table = this.#tables.get(name);
    if (table === undefined || GATE_ARITY.get(name) !== 0)
      throw new RangeError(`gate ${name} is not a constant`);
    return table.matrix;
  }

  /**
   * Applies gate `name` to `inputs` (`arity` rows `[B, 1, M]`) over `memory` `[B, M, M]`. Returns
   * the gate's output `[B, 1, M]` and the memory after it (the same tensor unless it is WRITE).
   */
  applyRows(
    name: GateName,
    inputs: readonly tf.Tensor3D[],
    memory: tf.Tensor3D,
  ): { output: tf.Tensor3D; memory: tf.Tensor3D } {
    const [a, b] = inputs as [tf.Tensor3D, tf.Tensor3D];
    const [batch, m] = [memory.shape[0], this.memorySize];
    if (name === 'read') return { output: tf.matMul(a, memory), memory };
    if (name === 'write') {
      const zero = tf.tile(tf.reshape(this.constant('zero'), [1, 1, m]), [batch, 1, 1]) as tf.Tensor3D;
      return { output: zero, memory: writeRows(memory, a, b) };
    }
    const table = this.#tables.get(name) as ConstantMap;
    if (GATE_ARITY.get(name) === 0) {
      return { output: tf.tile(tf.reshape(table.matrix, [1, 1, m]), [batch, 1, 1]) as tf.Tensor3D, memory };
    }
    // Shared tables are plain 2-D products over the batch: on wasm a batched product of B small
    // matrices costs far more than one [B, ·] × [·, M] product.
    const flat: tf.Tensor2D =
      b === undefined
        ? tf.reshape(a, [batch, m])
        : // The joint distribution of independent a and b, a ⊗ b, flattened to [B, M·M].
          tf.reshape(tf.mul(tf.reshape(a, [batch, m, 1]), b), [batch, m * m]);
    return { output: tf.reshape(table.apply(flat), [batch, 1, m]), memory };
  }

  /** {@link GateSet.applyRows} on inputs and output `[B, M]`. */
  apply(
    name: GateName,
    inputs: readonly tf.Tensor2D[],
    memory: tf.Tensor3D,
  ): { output: tf.Tensor2D; memory: tf.Tensor3D } {
    return tf.tidy(() => {
      const [batch, m] = [memory.shape[0], this.memorySize];
      const rows = inputs.map((x) => tf.reshape(x, [batch, 1, m]) as tf.Tensor3D);
      const applied = this.applyRows(name, rows, memory);
      return { output: tf.reshape(applied.output, [batch, m]), memory: applied.memory };
    });
  }

  dispose(): void {
    for (const table of this.#tables.values()) table.dispose();
  }
}

/** {@link writeMemory} with the address and value as rows `[B, 1, M]`. */
function writeRows(memory: tf.Tensor3D, address: tf.Tensor3D, value: tf.Tensor3D): tf.Tensor3D {
  const [batch, m] = [memory.shape[0], memory.shape[1]];
  const p = tf.reshape(address, [batch, m, 1]);
  return tf.add(tf.sub(memory, tf.mul(p, memory)), tf.mul(p, value));
}
