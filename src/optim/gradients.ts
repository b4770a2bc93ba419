import * as tf from '@tensorflow/tfjs';
import type { NamedTensor } from './slots.js';
import { writableStorage } from './storage.js';
import type { HostTensors } from './transform.js';
import { sharedViews } from './views.js';

/**
 * The noisy optimizer's adapter between tfjs's gradient maps and the host arrays its transformation
 * chain works on (`host-step.ts`): which arrays the chain may write, and how its result goes
 * back to the inner optimizer.
 */

/** One gradient as tfjs's optimizers see it; a null tensor is a variable without a gradient. */
export interface GradientEntry {
  readonly name: string;
  readonly tensor: tf.Tensor | null;
}

/**
 * The gradients in the order tfjs's optimizers use to index their slots: list order, or the map's
 * key order (which `variableGrads` fills in variable order).
 */
export function entriesOf(gradients: tf.NamedTensorMap | NamedTensor[]): GradientEntry[] {
  if (Array.isArray(gradients)) return gradients.map((g) => ({ name: g.name, tensor: g.tensor ?? null }));
  return Object.keys(gradients).map((name) => ({ name, tensor: gradients[name] ?? null }));
}

/**
 * Per entry, whether its host values `raw[i]` (read with `readStorage`) may be donated to the
 * chain, i.e. written: they are the gradient tensor's own storage and the backend lets it be
 * overwritten (see `writableStorage`), and no other entry's values share any of its memory (the
 * same tensor listed twice, or on `cpu` a slice's subarray of its source), since their read would
 * then see the write. The views are only valid until the next tfjs operation.
 */
export function donatable(entries: readonly GradientEntry[], raw: HostTensors): boolean[] {
  const shared = sharedViews(raw);
  return entries.map(
    (e, i) => e.tensor !== null && raw[i] !== null && !shared[i] && writableStorage(e.tensor) !== null,
  );
}

/**
 * Hands the chain's result `updates` to `inner`. Where the chain passed the values read from a
 * tensor through (`updates[i] === raw[i]`, unchanged or written in place because donated) the
 * tensor itself goes; a new array becomes a new tensor or, with `overwrite`, is copied into the
 * gradient tensor's storage. The untouched `gradients` go as they came when nothing changed.
 */
export function applyHostGradients(
  inner: tf.Optimizer,
  gradients: tf.NamedTensorMap | NamedTensor[],
  entries: readonly GradientEntry[],
  raw: HostTensors,
  updates: HostTensors,
  overwrite: boolean,
): void {
  if (updates === raw) {
    inner.applyGradients(gradients);
    return;
  }
  const written = new Set<object>();
  tf.tidy(() => {
    inner.applyGradients(
      entries.map((e, i) => {
        const values = updates[i] ?? null;
        // A missing gradient stays missing: tfjs's optimizers skip it but keep its slot index.
        if (e.tensor === null || values === null)
          return { name: e.name, tensor: null as unknown as tf.Tensor };
        if (values === raw[i]) return { name: e.name, tensor: e.tensor };
        // All of `updates` was computed before the first write, so writes cannot feed back.
        // The same tensor twice in the list gets a fresh tensor the second time.
        const storage = overwrite && !written.has(e.tensor.dataId) ? writableStorage(e.tensor) : null;
        if (storage !== null) {
          storage.set(values);
          written.add(e.tensor.dataId);
          return { name: e.name, tensor: e.tensor };
        }
        return { name: e.name, tensor: tf.tensor(values, e.tensor.shape, 'float32') };
      }),
    );
  });
}

/** The registered variable `name`, for noise on the weights. */
export function variableNamed(name: string): tf.Variable {
  const v = tf.engine().registeredVariables[name];
  if (v === undefined) throw new Error(`NoisyOptimizer: no variable named ${JSON.stringify(name)}`);
  return v;
}
