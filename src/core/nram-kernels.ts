/**
 * The NRAM's whole unrolled machine in one call (paper §4.4; Kurach et al., 2016), as the `native`
 * backend provides it (its addon, `src/backend/native-kernels.ts`, extends this interface). The
 * runtime hands it to a trainer in `TrainerContext.nramKernels`; without it the `nram` trainer
 * uses tfjs ops.
 *
 * `shape` is an Int32Array of 6 entries: batch, memory size M, registers R, timesteps T,
 * controller (0 feed-forward, 1 LSTM) and hidden size H. `params` and `grads` list the trainer's
 * variables in its `namedVariables` order: the hidden kernel (LSTM `[R + H, 4H]`, gates i, f, g,
 * o; feed-forward `[R, H]`) and bias, the output kernel `[H, outputs]` and bias `[outputs]` in the
 * compact layout of `src/trainers/nram/circuit.ts`. Arrays are read and written where they lie
 * (views of a backend's memory included); a bad argument throws an error naming it.
 */
export interface NramKernels {
  /** Floats of workspace `nramRun` needs for `shape`. */
  nramWorkspaceLength(shape: Int32Array): number;
  /**
   * Unrolls the machine on `memory` `[batch, M]` and scores cell 2 against `targets` `[batch]`:
   * writes each example's answer (the argmax of the expected cell 2 at the stop) into `answers`
   * and its loss Σₜ pₜ · −log max(Mₜ[2, target], 1e-7) into `losses`. With `grads` (empty: forward
   * only) writes the gradient of the objective, the mean loss minus `bonus` times the mean entropy
   * of the controller's choices, into each array. Returns that objective.
   */
  nramRun(
    shape: Int32Array,
    params: readonly Float32Array[],
    memory: Int32Array,
    targets: Int32Array,
    bonus: number,
    grads: readonly Float32Array[],
    answers: Int32Array,
    losses: Float32Array,
    work: Float32Array,
  ): number;
}
