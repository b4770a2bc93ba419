import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src/backend/index.js';
import type { MetricPoint } from '../../../src/core/index.js';
import { ANY_DATA_DIR } from '../../../src/data/index.js';
import { compileRunSpec } from '../../../src/runs/compile-spec.js';
import {
  BUILTIN_TRAINERS,
  builtinTrainers,
  createRegistry,
  type TrainerDefinition,
} from '../../../src/trainers/index.js';
import { postedCheckpoints, postedPoints, runInProcess } from '../../helpers/run-job.js';

/**
 * A test-only trainer `overlap`, registered beside the real ones: the smoke classifier, plus names
 * that `trainStep` and `evaluate` both report, with values telling which report a point came from.
 * `trainStep(s)` reports step s + 1.
 */
const smoke = builtinTrainers.get('smoke');
const overlap: TrainerDefinition = {
  ...smoke,
  name: 'overlap',
  async create(config, context) {
    const session = await smoke.create(config, context);
    return {
      trainStep: (step) => ({ ...session.trainStep(step), shared: 1_000 + step + 1 }),
      evaluate: async (step) => ({
        ...(await session.evaluate(step)),
        shared: 2_000 + step,
        noise_std: -step,
      }),
      exportState: () => session.exportState(),
      importState: (state) => session.importState(state),
      parameterNames: () => session.parameterNames(),
      dispose: () => session.dispose(),
    };
  },
};
const trainers = createRegistry([...BUILTIN_TRAINERS, overlap]);

beforeAll(async () => {
  await selectBackend('wasm');
});

const SPEC = compileRunSpec(
  { trainer: 'overlap', seed: 3, maxSteps: 6, evalEvery: 2, checkpointEvery: 6 },
  ANY_DATA_DIR,
  trainers,
);

/** One attempt's points, and its final checkpoint. */
async function attempt(checkpoint: Uint8Array | null): Promise<{ all: MetricPoint[]; final: Uint8Array }> {
  const { outcome, messages } = await runInProcess(SPEC, { checkpoint, flushPoints: 1, trainers });
  expect(outcome).toEqual({ status: 'COMPLETED', endReason: 'BUDGET' });
  const final = postedCheckpoints(messages).at(-1)?.bytes;
  return {
    all: postedPoints(messages),
    final: final ?? new Uint8Array(),
  };
}

const keys = (points: readonly MetricPoint[]) => points.map((p) => `${p.name}@${p.step}`);

describe('the loop posts one point per (name, step)', () => {
  it('keeps the evaluation value of a name the step reports too, as the store would', async () => {
    const { all } = await attempt(null);
    expect(new Set(keys(all)).size).toBe(all.length);
    const shared = all.filter((p) => p.name === 'shared').map((p) => [p.step, p.value]);
    expect(shared).toEqual([
      [1, 1_001],
      [2, 2_002],
      [3, 1_003],
      [4, 2_004],
      [5, 1_005],
      [6, 2_006],
    ]);
    // Even a name the runtime adds itself: the evaluation's report replaces the optimizer's.
    const noise = all.filter((p) => p.name === 'noise_std');
    expect(noise.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const p of noise) expect(p.value < 0, `noise_std@${p.step}`).toBe(p.step % 2 === 0);
    expect(all.filter((p) => p.name === 'test_accuracy').map((p) => p.step)).toEqual([2, 4, 6]);
  });

  it('resumed from the final checkpoint, posts the recomputed evaluation once, with the same values', async () => {
    const straight = await attempt(null);
    const resumed = await attempt(straight.final);
    const evaluated = ['noise_std', 'shared', 'test_accuracy', 'test_loss', 'train_accuracy', 'train_loss'];
    expect(keys(resumed.all).sort()).toEqual(evaluated.map((name) => `${name}@6`));
    const atSix = (points: readonly MetricPoint[]) =>
      points
        .filter((p) => p.step === 6 && evaluated.includes(p.name))
        .map((p) => [p.name, p.value])
        .sort();
    expect(atSix(resumed.all)).toEqual(atSix(straight.all));
  });
});
