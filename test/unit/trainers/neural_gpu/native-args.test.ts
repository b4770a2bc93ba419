import { beforeAll, expect, it } from 'vitest';
import { loadNativeKernels, type NativeKernels } from '../../../../src/backend/index.js';
import { compileNeuralGpuConfig, NEURAL_GPU_DEFAULTS } from '../../../../src/trainers/neural_gpu/index.js';
import { describeNative } from '../../../helpers/native.js';
import { shapeOf } from './native-shape.js';

/** The native addon's Neural GPU functions reject bad arguments with an error naming the argument. */

const config = compileNeuralGpuConfig({ ...NEURAL_GPU_DEFAULTS, maps: 6, layers: 2, height: 3 });

describeNative("the addon's Neural GPU functions on bad arguments", () => {
  let k: NativeKernels;
  beforeAll(() => {
    k = loadNativeKernels();
  });

  const shape = shapeOf(config, 2, 5, 3);
  const sizes = [
    5 * 6,
    ...Array.from({ length: 2 }, () => [3 * 3 * 36, 6, 3 * 3 * 36, 6, 3 * 3 * 36, 6]).flat(),
    12,
    2,
  ];
  const params = () => sizes.map((n) => new Float32Array(n));
  const inputs = () => new Int32Array(10);
  const targets = () => new Int32Array(6);
  const state = 2 * 5 * 3 * 6;
  const work = () => new Float32Array(k.neuralGpuWorkspaceLength(shape, 'whole'));
  const step = (
    overrides: Partial<Record<'shape' | 'params' | 'inputs' | 'targets' | 'masks' | 'grads', unknown>>,
  ) =>
    k.neuralGpuStep(
      (overrides.shape ?? shape) as Int32Array,
      1.2,
      (overrides.params ?? params()) as Float32Array[],
      (overrides.inputs ?? inputs()) as Int32Array,
      (overrides.targets ?? targets()) as Int32Array,
      (overrides.masks ?? []) as Float32Array[],
      (overrides.grads ?? params()) as Float32Array[],
      new Float32Array(6),
      work(),
    );

  it('runs on well-formed arguments', () => {
    expect(step({})).toBeCloseTo(Math.log(2), 6);
    expect(step({ masks: [new Float32Array(state), new Float32Array(state)] })).toBeCloseTo(Math.log(2), 6);
  });

  it('names the argument that is wrong', () => {
    expect(() => step({ inputs: new Float32Array(10) })).toThrow(/inputs must be an Int32Array/);
    expect(() => step({ inputs: new Int32Array(9) })).toThrow(/inputs has 9 integers, needs 10/);
    expect(() => step({ inputs: Int32Array.of(0, 1, 2, 3, 4, 5, 0, 0, 0, 0) })).toThrow(
      /inputs\[5\] is 5, allowed 0 to 4/,
    );
    expect(() => step({ targets: Int32Array.of(0, 2, 0, 0, 0, 0) })).toThrow(
      /targets\[1\] is 2, allowed 0 to 1/,
    );
    expect(() => step({ params: params().slice(1) })).toThrow(/params has 14 arrays, needs 15/);
    const short = params();
    short[3] = new Float32Array(323);
    expect(() => step({ params: short })).toThrow(/params\[3\] has 323 floats, needs 324/);
    expect(() => step({ grads: [...params().slice(0, 14), [0, 0]] })).toThrow(
      /grads\[14\] must be a Float32Array/,
    );
    expect(() => step({ masks: [new Float32Array(state)] })).toThrow(/masks has 1 arrays, needs 0 or 2/);
    expect(() => step({ masks: 'none' })).toThrow(/masks must be an array/);
    const even = Int32Array.from(shape);
    even[5] = 2;
    expect(() => step({ shape: even })).toThrow(/kernel width must be odd/);
    const wide = Int32Array.from(shape);
    wide[7] = 6;
    expect(() => step({ shape: wide })).toThrow(/target width must be at most its width/);
    expect(() => k.neuralGpuWorkspaceLength(shape, 'all' as 'whole')).toThrow(/tape must be/);
    const huge = Int32Array.of(1000, 200_000, 1, 1, 64, 1, 1, 1, 5, 2);
    expect(() => k.neuralGpuWorkspaceLength(huge, 'whole')).toThrow(/shape is too large/);
    expect(() => k.neuralGpuWorkspaceLength(Int32Array.of(1, 2, 3), 'whole')).toThrow(
      /shape has 3 integers, needs 10/,
    );
    expect(() =>
      k.neuralGpuStep(shape, 0.5, params(), inputs(), targets(), [], params(), new Float32Array(6), work()),
    ).toThrow(/gateCutoff must be a number of at least 1/);
    expect(() =>
      k.neuralGpuPredict(shape, 1, params(), inputs(), new Float32Array(6), new Float32Array(10)),
    ).toThrow(/work has 10 floats, needs/);
  });
});
