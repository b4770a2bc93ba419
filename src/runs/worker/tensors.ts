import * as tf from '@tensorflow/tfjs';
import type { CheckpointDtype, CheckpointTensor } from '../../checkpoint/index.js';
import { AppError } from '../../core/index.js';

/**
 * The bridge between tfjs tensors and {@link CheckpointTensor}s, on the worker side: the checkpoint
 * layer itself stays free of tfjs, so the main thread and clients read checkpoints without a backend. Reading copies the values out of
 * the backend (`data()`: asynchronous, as a GPU backend needs), so the snapshot stays valid after the
 * tensors change or are disposed.
 */

const TO_SAFETENSORS: Readonly<Partial<Record<tf.DataType, CheckpointDtype>>> = {
  float32: 'F32',
  int32: 'I32',
  bool: 'BOOL',
};

const TO_TFJS: Readonly<Record<CheckpointDtype, 'float32' | 'int32' | 'bool'>> = {
  F32: 'float32',
  I32: 'int32',
  BOOL: 'bool',
};

/** Copies the values of named tensors. Does not dispose them (their owner does). */
export function snapshotTensors(
  named: ReadonlyArray<{ readonly name: string; readonly tensor: tf.Tensor }>,
): Promise<CheckpointTensor[]> {
  return Promise.all(
    named.map(async ({ name, tensor }): Promise<CheckpointTensor> => {
      const dtype = TO_SAFETENSORS[tensor.dtype];
      if (dtype === undefined) {
        throw new AppError(
          'INTERNAL',
          `checkpoint: tensor ${name} has dtype ${tensor.dtype}; allowed: float32, int32, bool`,
        );
      }
      const data = await tensor.data();
      const values =
        dtype === 'F32'
          ? Float32Array.from(data as Float32Array)
          : dtype === 'I32'
            ? Int32Array.from(data as Int32Array)
            : Uint8Array.from(data as Uint8Array);
      return { name, dtype, shape: [...tensor.shape], values };
    }),
  );
}

/** A new tensor (owned by the caller) with the saved values. */
export function restoreTensor(saved: CheckpointTensor): tf.Tensor {
  return tf.tensor(saved.values, [...saved.shape], TO_TFJS[saved.dtype]);
}
