import { beforeAll, expect, it } from 'vitest';
import { loadNativeKernels, type NativeKernels } from '../../../../src/backend/index.js';
import { controllerOutputs } from '../../../../src/trainers/nram/index.js';
import { describeNative } from '../../../helpers/native.js';

/** The native addon's NRAM functions reject bad arguments with an error naming the argument. */

describeNative("the addon's NRAM functions on bad arguments", () => {
  let k: NativeKernels;
  beforeAll(() => {
    k = loadNativeKernels();
  });

  // batch 2, M 6, R 2, T 3, LSTM, H 4.
  const shape = Int32Array.of(2, 6, 2, 3, 1, 4);
  const outputs = controllerOutputs(2);
  const sizes = [6 * 16, 16, 4 * outputs, outputs];
  const params = () => sizes.map((n) => new Float32Array(n));
  const memory = () => Int32Array.of(3, 0, 0, 0, 5, 0, 5, 1, 0, 0, 0, 4);
  const work = () => new Float32Array(k.nramWorkspaceLength(shape));
  type Arg = 'shape' | 'params' | 'memory' | 'targets' | 'bonus' | 'grads' | 'answers' | 'losses' | 'work';
  const run = (overrides: Partial<Record<Arg, unknown>>) =>
    k.nramRun(
      (overrides.shape ?? shape) as Int32Array,
      (overrides.params ?? params()) as Float32Array[],
      (overrides.memory ?? memory()) as Int32Array,
      (overrides.targets ?? Int32Array.of(5, 4)) as Int32Array,
      (overrides.bonus ?? 0.1) as number,
      (overrides.grads ?? params()) as Float32Array[],
      (overrides.answers ?? new Int32Array(2)) as Int32Array,
      (overrides.losses ?? new Float32Array(2)) as Float32Array,
      (overrides.work ?? work()) as Float32Array,
    );

  it('runs on well-formed arguments', () => {
    // All-zero weights: every choice uniform, so the machine's cell 2 is not one-hot; the objective
    // is finite and the answers are valid cells.
    const answers = new Int32Array(2);
    const objective = run({ answers, bonus: 0 });
    expect(Number.isFinite(objective)).toBe(true);
    expect(objective).toBeGreaterThan(0);
    for (const a of answers) expect(a >= 0 && a < 6).toBe(true);
    expect(run({ grads: [] })).toBeCloseTo(run({}), 12);
  });

  it('names the argument that is wrong', () => {
    expect(() => run({ memory: new Float32Array(12) })).toThrow(/memory must be an Int32Array/);
    expect(() => run({ memory: new Int32Array(11) })).toThrow(/memory has 11 integers, needs 12/);
    expect(() => run({ memory: Int32Array.of(6, ...new Array<number>(11).fill(0)) })).toThrow(
      /memory\[0\] is 6, allowed 0 to 5/,
    );
    expect(() => run({ targets: Int32Array.of(0, -1) })).toThrow(/targets\[1\] is -1, allowed 0 to 5/);
    expect(() => run({ params: params().slice(1) })).toThrow(/params has 3 arrays, needs 4/);
    const short = params();
    short[2] = new Float32Array(4 * outputs - 1);
    expect(() => run({ params: short })).toThrow(
      new RegExp(`params\\[2\\] has ${4 * outputs - 1} floats, needs ${4 * outputs}`),
    );
    expect(() => run({ grads: params().slice(0, 2) })).toThrow(/grads has 2 arrays, needs 4 \(or 0\)/);
    expect(() => run({ grads: [...params().slice(0, 3), [0, 0]] })).toThrow(
      /grads\[3\] must be a Float32Array/,
    );
    expect(() => run({ grads: 'none' })).toThrow(/grads must be an array/);
    expect(() => run({ bonus: -1 })).toThrow(/bonus must be a finite number of at least 0/);
    expect(() => run({ bonus: Number.NaN })).toThrow(/bonus must be a finite number of at least 0/);
    expect(() => run({ answers: new Float32Array(2) })).toThrow(/answers must be an Int32Array/);
    expect(() => run({ answers: new Int32Array(1) })).toThrow(/answers has 1 integers, needs 2/);
    expect(() => run({ losses: new Float32Array(1) })).toThrow(/losses has 1 floats, needs 2/);
    expect(() => run({ work: new Float32Array(10) })).toThrow(/work has 10 floats, needs/);
    const wrongController = Int32Array.from(shape);
    wrongController[4] = 2;
    expect(() => run({ shape: wrongController })).toThrow(
      /controller must be 0 \(feed-forward\) or 1 \(LSTM\)/,
    );
    const tinyMemory = Int32Array.from(shape);
    tinyMemory[1] = 2;
    expect(() => k.nramWorkspaceLength(tinyMemory)).toThrow(/memory size must be 3 to 64/);
    const noSteps = Int32Array.from(shape);
    noSteps[3] = 0;
    expect(() => k.nramWorkspaceLength(noSteps)).toThrow(/must be at least 1/);
    const registers = Int32Array.from(shape);
    registers[2] = 33;
    expect(() => k.nramWorkspaceLength(registers)).toThrow(/registers must be at most 32/);
    expect(() => k.nramWorkspaceLength(Int32Array.of(1_000_000, 64, 32, 64, 1, 100_000))).toThrow(
      /shape is too large/,
    );
    expect(() => k.nramWorkspaceLength(Int32Array.of(1, 2, 3))).toThrow(/shape has 3 integers, needs 6/);
    expect(() => k.nramWorkspaceLength(Int32Array.of(2, 6, -1, 3, 1, 4))).toThrow(
      /shape\[2\] is -1, allowed 0 to/,
    );
  });
});
