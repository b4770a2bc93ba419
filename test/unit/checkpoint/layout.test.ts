import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  type CheckpointContents,
  decodeCheckpoint,
  encodeCheckpoint,
  encodeSafetensors,
  readSafetensorsHeader,
  sha256Hex,
} from '../../../src/checkpoint/index.js';
import { ANY_DATA_DIR } from '../../../src/data/index.js';
import { MIN_PLATEAU_SCALE } from '../../../src/optim/index.js';
import { compileRunSpec } from '../../../src/runs/compile-spec.js';
import { restoreTensor, snapshotTensors } from '../../../src/runs/worker/tensors.js';

const spec = compileRunSpec({ trainer: 'smoke', seed: 3, maxSteps: 50 }, ANY_DATA_DIR);

function contents(): CheckpointContents {
  return {
    runId: 'run-1',
    step: 20,
    backend: 'wasm',
    spec,
    noise: { step: 19, seed: 3, skipped: 1, generator: 'box-muller' },
    streamVersion: 2,
    lrSchedule: { scale: 0.25, best: 0.5, count: 3, phaseStart: 7 },
    trainerMeta: { level: 2 },
    model: [
      { name: 'layer0/kernel', dtype: 'F32', shape: [2, 2], values: Float32Array.of(1, -2, 3.5, 1e-8) },
    ],
    optimizer: [
      { name: 'iter', dtype: 'I32', shape: [], values: Int32Array.of(20) },
      { name: 'flag', dtype: 'BOOL', shape: [1], values: Uint8Array.of(1) },
    ],
  };
}

/** The smallest metadata a checkpoint decodes from (noise_state as files before `generator` wrote it). */
const meta = {
  format_version: '1',
  step: '1',
  noise_state: '{"step":1,"seed":0,"skipped":0}',
  trainer_meta: '{}',
  run_spec: '{}',
};

describe('checkpoint layout', () => {
  it('stores a plateau decayed to its floor (a long run), and reads it back', () => {
    const lrSchedule = { scale: MIN_PLATEAU_SCALE, best: 0.5, count: 0, phaseStart: 0 };
    const file = encodeCheckpoint({ ...contents(), lrSchedule });
    expect(decodeCheckpoint(file.bytes).lrSchedule).toEqual(lrSchedule);
  });

  it('round-trips tensors under model/ and optimizer/ with the run metadata, and reports its sha256 and index', () => {
    const file = encodeCheckpoint(contents());
    expect(file.sha256).toBe(sha256Hex(file.bytes));
    expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.keys(file.index)).toEqual(['model/layer0/kernel', 'optimizer/iter', 'optimizer/flag']);
    expect(file.index['model/layer0/kernel']).toEqual({ dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] });
    const { metadata } = readSafetensorsHeader(file.bytes);
    expect(metadata).toMatchObject({
      format_version: '1',
      run_id: 'run-1',
      trainer: 'smoke',
      backend: 'wasm',
      step: '20',
      stream_version: '2',
    });
    expect(JSON.parse(metadata.noise_state ?? '')).toEqual({
      step: 19,
      seed: 3,
      skipped: 1,
      generator: 'box-muller',
    });
    expect(JSON.parse(metadata.run_spec ?? '')).toEqual(spec);
    expect(JSON.parse(metadata.lr_schedule_state ?? '')).toEqual({
      scale: 0.25,
      best: 0.5,
      count: 3,
      phaseStart: 7,
    });
    expect(decodeCheckpoint(file.bytes)).toEqual(contents());
  });

  it('reads a file handed as a Node Buffer (a GetCheckpoint download) inside a larger one the same', () => {
    const file = encodeCheckpoint(contents());
    // Chunks joined by Buffer.concat may sit at any offset of pooled memory.
    const joined = Buffer.concat([Buffer.from('xyz'), Buffer.from(file.bytes)]).subarray(3);
    expect(decodeCheckpoint(joined)).toEqual(contents());
  });

  it('reads a file without lr_schedule_state (written before schedules) as the initial state, and refuses a bad one', () => {
    expect(decodeCheckpoint(encodeSafetensors([], meta)).lrSchedule).toEqual({
      scale: 1,
      best: null,
      count: 0,
      phaseStart: 0,
    });
    // Written before phase-relative schedules: no phaseStart, read as 0.
    const older = { ...meta, lr_schedule_state: '{"scale":0.5,"best":null,"count":2}' };
    expect(decodeCheckpoint(encodeSafetensors([], older)).lrSchedule).toEqual({
      scale: 0.5,
      best: null,
      count: 2,
      phaseStart: 0,
    });
    const bad = (state: string) => () =>
      decodeCheckpoint(encodeSafetensors([], { ...meta, lr_schedule_state: state }));
    expect(bad('{"scale":0,"best":null,"count":0}')).toThrow('lr_schedule_state.scale');
    expect(bad('{"scale":1,"best":"x","count":0}')).toThrow('lr_schedule_state.best');
    expect(bad('{"scale":1,"best":null,"count":-1}')).toThrow('lr_schedule_state.count');
    expect(bad('{"scale":1,"best":null,"count":0,"phaseStart":1.5}')).toThrow('lr_schedule_state.phaseStart');
  });

  it('rejects a file of another format version, a foreign tensor name, or a dtype tfjs lacks', () => {
    const tensor = (dtype: 'F32' | 'F64') => ({
      dtype,
      shape: [1],
      data: new Uint8Array(dtype === 'F32' ? 4 : 8),
    });
    expect(() => decodeCheckpoint(encodeSafetensors([], { ...meta, format_version: '2' }))).toThrow(
      /format_version "2" is not 1/,
    );
    expect(() =>
      decodeCheckpoint(encodeSafetensors([{ name: 'weights', tensor: tensor('F32') }], meta)),
    ).toThrow(/weights is neither model/);
    expect(() =>
      decodeCheckpoint(encodeSafetensors([{ name: 'model/w', tensor: tensor('F64') }], meta)),
    ).toThrow(/dtype F64; allowed: F32, I32, BOOL/);
    expect(() => decodeCheckpoint(encodeSafetensors([], { ...meta, noise_state: 'nope' }))).toThrow(
      /noise_state is not JSON/,
    );
    expect(() => decodeCheckpoint(encodeSafetensors([], { ...meta, step: '-1' }))).toThrow(
      /step is not an integer >= 0/,
    );
    expect(() =>
      decodeCheckpoint(
        encodeSafetensors([], {
          ...meta,
          noise_state: '{"step":1,"seed":0,"skipped":0,"generator":"polar"}',
        }),
      ),
    ).toThrow(/noise_state.generator "polar" is not one of box-muller, ziggurat, philox/);
    expect(() => decodeCheckpoint(encodeSafetensors([], { ...meta, stream_version: '3' }))).toThrow(
      /stream_version "3" is not one of 1, 2/,
    );
  });

  it('reads a file written before noise.generator existed as drawn from the ziggurat, state and spec', () => {
    const { generator: _, ...noise } = spec.noise;
    const legacy = decodeCheckpoint(
      encodeSafetensors([], { ...meta, run_spec: JSON.stringify({ ...spec, noise }) }),
    );
    expect(legacy.spec).toEqual({ ...spec, noise: { ...spec.noise, generator: 'ziggurat' } });
    expect(legacy.noise).toEqual({
      step: 1,
      seed: 0,
      skipped: 0,
      generator: 'ziggurat',
    });
  });

  it('reads a file written before stream versions as drawn from version 1, in its state and its spec', () => {
    expect(spec.streamVersion).toBe(2);
    const { streamVersion: _, ...older } = spec;
    const legacy = decodeCheckpoint(encodeSafetensors([], { ...meta, run_spec: JSON.stringify(older) }));
    expect(legacy.streamVersion).toBe(1);
    expect(legacy.spec).toEqual({ ...spec, streamVersion: 1 });
    expect(decodeCheckpoint(encodeCheckpoint(contents()).bytes).streamVersion).toBe(2);
  });

  it('snapshots tfjs tensors by value and restores them exactly, without leaking', async () => {
    const before = tf.memory().numTensors;
    const w = tf.tensor2d([
      [0.1, 0.2],
      [0.3, Number.NaN],
    ]);
    const n = tf.scalar(7, 'int32');
    const saved = await snapshotTensors([
      { name: 'w', tensor: w },
      { name: 'n', tensor: n },
    ]);
    tf.dispose([w, n]);
    const restored = saved.map(restoreTensor);
    const [first] = restored;
    if (first === undefined) throw new Error('nothing restored');
    expect(first.dtype).toBe('float32');
    expect(first.shape).toEqual([2, 2]);
    expect(Buffer.from((first.dataSync() as Float32Array).buffer)).toEqual(
      Buffer.from(Float32Array.of(0.1, 0.2, 0.3, Number.NaN).buffer),
    );
    expect(restored[1]?.dtype).toBe('int32');
    expect([...(restored[1]?.dataSync() ?? [])]).toEqual([7]);
    tf.dispose(restored);
    expect(tf.memory().numTensors).toBe(before);
  });
});
