import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src/backend/index.js';
import { decodeCheckpoint } from '../../../src/checkpoint/index.js';
import type { MetricPoint } from '../../../src/core/index.js';
import { ANY_DATA_DIR } from '../../../src/data/index.js';
import { compileRunSpec, type RunRequest } from '../../../src/runs/compile-spec.js';
import { runJob } from '../../../src/runs/worker/loop.js';
import { Control, type FromWorker, type RunOutcome } from '../../../src/runs/worker/protocol.js';
import {
  builtinTrainers,
  type TrainerDefinition,
  type TrainerRegistry,
} from '../../../src/trainers/index.js';
import { checkpointWeights, storedView } from '../../helpers/run-job.js';
import { phasedTrainer } from './fixtures/phased-trainer.js';

/**
 * The test trainer `phased` (fixtures/phased-trainer.ts) registered beside the real ones, and a
 * variant a test sets whose declared phases do not include the session's.
 */
const undeclaredTrainer: { value: TrainerDefinition | null } = { value: null };
const tests = (): TrainerDefinition[] => [
  phasedTrainer as TrainerDefinition,
  ...(undeclaredTrainer.value === null ? [] : [undeclaredTrainer.value]),
];
const trainers: TrainerRegistry = {
  get: (name) => tests().find((t) => t.name === name) ?? builtinTrainers.get(name),
  has: (name) => tests().some((t) => t.name === name) || builtinTrainers.has(name),
  list: () => [...builtinTrainers.list(), ...tests()],
};

beforeAll(async () => {
  await selectBackend('wasm');
});

interface Attempt {
  readonly outcome: RunOutcome;
  readonly points: MetricPoint[];
  readonly checkpoints: Map<number, Uint8Array>;
  readonly startStep: number;
}

/**
 * One attempt of `request`, from `checkpoint`; with `killAfter`, the attempt is stopped abruptly
 * (the lease-lost abort: nothing more is written, as after kill -9) once it has posted a checkpoint
 * at step `killAfter.checkpoint` and `killAfter.more` steps after it.
 */
async function attempt(
  request: RunRequest,
  checkpoint: Uint8Array | null = null,
  killAfter?: { readonly checkpoint: number; readonly more: number },
): Promise<Attempt> {
  const spec = compileRunSpec(request, ANY_DATA_DIR, trainers);
  const control = new SharedArrayBuffer(4);
  const points: MetricPoint[] = [];
  const checkpoints = new Map<number, Uint8Array>();
  let startStep = -1;
  const post = (message: FromWorker): void => {
    if (message.type === 'started') startStep = message.startStep;
    if (message.type === 'checkpoint') checkpoints.set(message.step, message.bytes);
    if (message.type === 'metrics') points.push(...message.points);
    if (
      killAfter !== undefined &&
      checkpoints.has(killAfter.checkpoint) &&
      message.type === 'metrics' &&
      message.step >= killAfter.checkpoint + killAfter.more
    )
      Atomics.store(new Int32Array(control), 0, Control.abort);
  };
  const outcome = await runJob(
    { runId: 'run-1', attempt: 1, spec, control, checkpoint },
    { backend: 'wasm', flushIntervalMs: 1_000_000, flushPoints: 1, dataRoots: ANY_DATA_DIR, trainers },
    post,
  );
  return { outcome, points, checkpoints, startStep };
}

const stored = storedView;
const weights = checkpointWeights;

const phasePoints = (points: readonly MetricPoint[]) =>
  points.filter((p) => p.name === 'phase').map((p) => [p.step, p.value]);

const METRIC_DRIVEN: RunRequest = {
  trainer: 'phased',
  seed: 4,
  maxSteps: 60,
  evalEvery: 3,
  checkpointEvery: 5,
  noise: { eta: 0.01 },
};

describe('phases', () => {
  it('reports the phase at step 1 and where it changed, and records it in every checkpoint', async () => {
    const run = await attempt({ ...METRIC_DRIVEN, trainerConfig: { switchAt: 7 } });
    expect(run.outcome).toEqual({ status: 'COMPLETED', endReason: 'BUDGET' });
    expect(phasePoints(run.points)).toEqual([
      [1, 0],
      [7, 1],
    ]);
    expect(decodeCheckpoint(run.checkpoints.get(5) ?? new Uint8Array()).phase).toBe('linear_start');
    expect(decodeCheckpoint(run.checkpoints.get(10) ?? new Uint8Array()).phase).toBe('default');
  });

  it('fails a run whose session reports a phase its trainer does not declare', async () => {
    const undeclared = { ...phasedTrainer, name: 'phased_undeclared', phases: ['default'] };
    undeclaredTrainer.value = undeclared as TrainerDefinition;
    const run = await attempt({ ...METRIC_DRIVEN, trainer: 'phased_undeclared' });
    expect(run.outcome).toEqual({
      status: 'FAILED',
      error: 'trainer phased_undeclared is in phase "linear_start"; it declares phases default',
    });
  });

  it('a metric-driven switch survives an abrupt stop at any checkpoint: the resumed run is the uninterrupted one, bit for bit', async () => {
    const straight = await attempt(METRIC_DRIVEN);
    const changes = phasePoints(straight.points);
    expect(changes).toHaveLength(2);
    const switchedAt = changes[1]?.[0] ?? 0;
    // Evaluations every 3 steps: the switch comes from an evaluation's loss.
    expect(switchedAt % 3).toBe(0);
    const reference = stored(straight.points);
    const kills = [...straight.checkpoints.keys()].filter((c) => c < 60);
    // Some checkpoints were written before the switch (the resume must switch again, at the same
    // step) and some after it (the resume must start in the checkpoint's phase).
    expect(kills.some((c) => c < switchedAt) && kills.some((c) => c >= switchedAt)).toBe(true);
    for (const c of kills) {
      const killed = await attempt(METRIC_DRIVEN, null, { checkpoint: c, more: 2 });
      expect(killed.outcome).toEqual({ status: 'ABORTED' });
      const resumed = await attempt(METRIC_DRIVEN, killed.checkpoints.get(c) ?? null);
      expect(resumed.startStep).toBe(c);
      expect(resumed.outcome).toEqual({ status: 'COMPLETED', endReason: 'BUDGET' });
      expect(stored(killed.points, resumed.points), `killed after checkpoint ${c}`).toEqual(reference);
      expect(weights(resumed.checkpoints.get(60))).toEqual(weights(straight.checkpoints.get(60)));
      expect(decodeCheckpoint(resumed.checkpoints.get(60) ?? new Uint8Array()).phase).toBe('default');
    }
  });
});

describe('done', () => {
  const SOLVED: RunRequest = { ...METRIC_DRIVEN, trainerConfig: { solveAt: 7 }, maxSteps: 20 };

  it('ends the run COMPLETED and SOLVED at the step, after its final evaluation and checkpoint', async () => {
    const run = await attempt(SOLVED);
    expect(run.outcome).toEqual({ status: 'COMPLETED', endReason: 'SOLVED' });
    expect(Math.max(...run.points.map((p) => p.step))).toBe(7);
    // Step 7 is not an evaluation step (every 3), yet it is evaluated: the run ends there.
    expect(run.points.filter((p) => p.name === 'eval_loss').map((p) => p.step)).toEqual([3, 6, 7]);
    expect([...run.checkpoints.keys()]).toEqual([5, 7]);
    expect(decodeCheckpoint(run.checkpoints.get(7) ?? new Uint8Array()).solved).toBe(true);
    expect(decodeCheckpoint(run.checkpoints.get(5) ?? new Uint8Array()).solved).toBeUndefined();
  });

  it('a run resumed from its solved checkpoint trains no further; one resumed before it is solved alike', async () => {
    const run = await attempt(SOLVED);
    const again = await attempt(SOLVED, run.checkpoints.get(7) ?? null);
    expect(again.outcome).toEqual({ status: 'COMPLETED', endReason: 'SOLVED' });
    expect(again.startStep).toBe(7);
    // Only the final evaluation is recomputed, with the values already stored.
    expect(again.points.map((p) => [p.step, p.name])).toEqual([[7, 'eval_loss']]);
    expect(stored(run.points, again.points)).toEqual(stored(run.points));
    expect(again.checkpoints.size).toBe(0);

    const fromEarlier = await attempt(SOLVED, run.checkpoints.get(5) ?? null);
    expect(fromEarlier.outcome).toEqual({ status: 'COMPLETED', endReason: 'SOLVED' });
    expect(stored(run.points, fromEarlier.points)).toEqual(stored(run.points));
    expect(weights(fromEarlier.checkpoints.get(7))).toEqual(weights(run.checkpoints.get(7)));
  });
});
