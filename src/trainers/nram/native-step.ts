import type { NramKernels } from '../../core/index.js';
import type { ListKBatch } from '../../data/tasks/index.js';
import type { NoisyOptimizer } from '../../optim/index.js';
import { readStorage } from '../../optim/index.js';
import { NativeGradients } from '../shared/native-gradients.js';
import type { NramMachine, NramShape } from './machine.js';

/** The addon's shape array (`NramKernels`) of a machine of `shape` on a batch of `batch`. */
export function nativeShape(shape: NramShape, batch: number): Int32Array {
  const { memorySize, registers, timesteps, controller, hiddenSize } = shape;
  return Int32Array.of(batch, memorySize, registers, timesteps, controller === 'lstm' ? 1 : 0, hiddenSize);
}

/** What one native pass over a batch yields: each example's answer and loss, and the objective. */
export interface NativeNramPass {
  /** `[B]`: the argmax of the expected cell 2 at the stop. */
  readonly answers: Int32Array;
  /** `[B]`: Σₜ pₜ · −log max(Mₜ[2, target], 1e-7). */
  readonly losses: Float32Array;
  /** The mean loss minus the entropy bonus's term (the value the gradient is of). */
  readonly objective: number;
}

/**
 * The `nram` trainer's step on the `native` backend: the loss, the gradient of every variable and
 * the batch's answers from one call of the addon (`native/nram.c`: the machine of `machine.ts`,
 * `gates.ts` and `controller.ts` unrolled forward and differentiated by hand), instead of the
 * thousands of tfjs ops of `NramMachine.run` and its tape.
 *
 * One step: the addon reads the weights where tfjs keeps them (views of the wasm heap) and writes
 * every gradient into this step's gradient tensors in place; `optimizer.applyGradients` gets them
 * named and ordered as the tfjs step gives them, so clipping, the noise keyed by (seed, step,
 * tensor) and Adam are unchanged. The gradients agree with the tfjs path to float32 rounding (sums
 * in other orders), and a run repeats itself bit for bit on `native`.
 */
export class NativeNramStep {
  readonly #machine: NramMachine;
  readonly #kernels: NramKernels;
  /** One gradient tensor per variable, in `namedVariables` order, rewritten per step. */
  readonly #grads: NativeGradients;
  /** Grown to the largest batch seen, never shrunk: a step maps no fresh memory. */
  #work = new Float32Array(0);

  constructor(machine: NramMachine, kernels: NramKernels) {
    this.#machine = machine;
    this.#kernels = kernels;
    this.#grads = new NativeGradients(
      machine.namedVariables.map(({ variable }) => variable),
      'native nram step',
    );
  }

  /** Trains one batch with entropy weight `bonus`: gradients into the optimizer. */
  train(batch: ListKBatch, bonus: number, optimizer: NoisyOptimizer): NativeNramPass {
    const pass = this.#run(batch, bonus, this.#grads.storages());
    optimizer.applyGradients(this.#grads.named());
    return pass;
  }

  /** The machine's answers and losses on `batch`, forward only. */
  evaluate(batch: ListKBatch): NativeNramPass {
    return this.#run(batch, 0, []);
  }

  /** Accuracy and mean loss over `batches` (the test set's chunks), forward only. */
  evaluateAll(batches: Iterable<ListKBatch>): { accuracy: number; loss: number } {
    const totals = { examples: 0, right: 0, loss: 0 };
    for (const batch of batches) {
      const { answers, losses } = this.evaluate(batch);
      batch.targets.forEach((target, i) => {
        totals.right += answers[i] === target ? 1 : 0;
        totals.loss += losses[i] as number;
      });
      totals.examples += batch.batchSize;
    }
    return { accuracy: totals.right / totals.examples, loss: totals.loss / totals.examples };
  }

  dispose(): void {
    this.#grads.dispose();
    this.#work = new Float32Array(0);
  }

  #run(batch: ListKBatch, bonus: number, grads: readonly Float32Array[]): NativeNramPass {
    const shape = nativeShape(this.#machine.shape, batch.batchSize);
    const length = this.#kernels.nramWorkspaceLength(shape);
    if (this.#work.length < length) {
      this.#work = new Float32Array(0);
      this.#work = new Float32Array(length);
    }
    const answers = new Int32Array(batch.batchSize);
    const losses = new Float32Array(batch.batchSize);
    // Views into the backend's memory are valid until the next tfjs op: none runs until the call.
    const params = this.#machine.namedVariables.map(({ variable }) => readStorage(variable));
    const objective = this.#kernels.nramRun(
      shape,
      params,
      batch.memory,
      batch.targets,
      bonus,
      grads,
      answers,
      losses,
      this.#work,
    );
    return { answers, losses, objective };
  }
}
