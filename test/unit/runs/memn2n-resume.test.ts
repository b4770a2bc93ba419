import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src/backend/index.js';
import { decodeCheckpoint } from '../../../src/checkpoint/index.js';
import type { MetricPoint } from '../../../src/core/index.js';
import { ANY_DATA_DIR } from '../../../src/data/index.js';
import { compileRunSpec, type RunRequest } from '../../../src/runs/compile-spec.js';
import { runJob } from '../../../src/runs/worker/loop.js';
import { Control, type FromWorker, type RunOutcome } from '../../../src/runs/worker/protocol.js';
import { builtinTrainers } from '../../../src/trainers/index.js';
import { checkpointWeights, storedView } from '../../helpers/run-job.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

interface Attempt {
  readonly outcome: RunOutcome;
  readonly points: MetricPoint[];
  readonly checkpoints: Map<number, Uint8Array>;
}

/** One attempt through the real worker loop; `killAfter` aborts it abruptly (as kill -9) after that checkpoint and one more step. */
async function attempt(
  request: RunRequest,
  checkpoint: Uint8Array | null,
  killAfter?: number,
): Promise<Attempt> {
  const spec = compileRunSpec(request, ANY_DATA_DIR, builtinTrainers);
  const control = new SharedArrayBuffer(4);
  const points: MetricPoint[] = [];
  const checkpoints = new Map<number, Uint8Array>();
  const post = (message: FromWorker): void => {
    if (message.type === 'checkpoint') checkpoints.set(message.step, message.bytes);
    if (message.type === 'metrics') points.push(...message.points);
    if (
      killAfter !== undefined &&
      checkpoints.has(killAfter) &&
      message.type === 'metrics' &&
      message.step > killAfter
    )
      Atomics.store(new Int32Array(control), 0, Control.abort);
  };
  const outcome = await runJob(
    { runId: 'run-1', attempt: 1, spec, control, checkpoint },
    {
      backend: 'wasm',
      flushIntervalMs: 1_000_000,
      flushPoints: 1,
      dataRoots: ANY_DATA_DIR,
      trainers: builtinTrainers,
    },
    post,
  );
  return { outcome, points, checkpoints };
}

const stored = storedView;
const weights = checkpointWeights;

/** 3 steps per epoch (900 questions, batches of 300): linear start ends after step 6. */
const REQUEST: RunRequest = {
  trainer: 'memn2n',
  seed: 5,
  maxSteps: 11,
  evalEvery: 11,
  checkpointEvery: 4,
  noise: { eta: 0.01 },
  trainerConfig: { batchSize: 300, memorySize: 10, hops: 2, embeddingSize: 8, linearStartEpochs: 2 },
  // Halved every 2 steps counted from the phase's start, as the original halves every 25 epochs
  // counted from the end of linear start.
  lrSchedule: { kind: 'step', everySteps: 2, factor: 0.5, fromPhaseStart: true },
};

describe('memn2n through the worker loop', () => {
  it('switches from linear start at the epoch bound and resumes bit for bit across the switch after kill -9', async () => {
    const straight = await attempt(REQUEST, null);
    expect(straight.outcome).toEqual({ status: 'COMPLETED', endReason: 'BUDGET' });
    expect(straight.points.filter((p) => p.name === 'phase').map((p) => [p.step, p.value])).toEqual([
      [1, 0],
      [6, 1],
    ]);
    // The point of step s + 1 is the rate of trainStep(s): the decays restart at step 6.
    expect(straight.points.filter((p) => p.name === 'learning_rate').map((p) => [p.step, p.value])).toEqual(
      Array.from({ length: 11 }, (_, s) => [s + 1, 0.005 * 0.5 ** Math.floor((s < 6 ? s : s - 6) / 2)]),
    );
    expect(decodeCheckpoint(straight.checkpoints.get(8) ?? new Uint8Array()).lrSchedule.phaseStart).toBe(6);
    expect(decodeCheckpoint(straight.checkpoints.get(4) ?? new Uint8Array()).phase).toBe('linear_start');
    expect(decodeCheckpoint(straight.checkpoints.get(8) ?? new Uint8Array()).phase).toBe('default');
    for (const kill of [4, 8]) {
      const killed = await attempt(REQUEST, null, kill);
      expect(killed.outcome).toEqual({ status: 'ABORTED' });
      const resumed = await attempt(REQUEST, killed.checkpoints.get(kill) ?? null);
      expect(stored(killed.points, resumed.points), `killed after checkpoint ${kill}`).toEqual(
        stored(straight.points),
      );
      expect(weights(resumed.checkpoints.get(11))).toEqual(weights(straight.checkpoints.get(11)));
    }
  });
});
