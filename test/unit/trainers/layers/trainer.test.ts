import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../../src/backend/index.js';
import { decodeCheckpoint } from '../../../../src/checkpoint/index.js';
import { AppError, runStreams, Sfc32 } from '../../../../src/core/index.js';
import { ANY_DATA_DIR, dataRootPolicy } from '../../../../src/data/index.js';
import { compileRunSpec, preflightRuns, type RunRequest } from '../../../../src/runs/index.js';
import type { FromWorker } from '../../../../src/runs/worker/protocol.js';
import { builtinTrainerList, createRegistry } from '../../../../src/trainers/index.js';
import { buildModel } from '../../../../src/trainers/layers/build.js';
import { analyzeTopology } from '../../../../src/trainers/layers/index.js';
import { postedCheckpoints, postedPoints, runInProcess } from '../../../helpers/run-job.js';
import { input, layer, mlp, sequential } from './models.js';

const dir = mkdtempSync(join(tmpdir(), 'gradnoise-layers-'));
/** Two noisy rings in the plane, classes 0 (inner) and 1 (outer): not linearly separable. */
const RINGS = join(dir, 'rings');

function writeRings(): void {
  const rng = new Sfc32(7, 11, 13, 1);
  const rows = (n: number) => {
    const lines = ['x1,x2,ring'];
    for (let i = 0; i < n; i += 1) {
      const ring = i % 2;
      const angle = rng.uniform() * 2 * Math.PI;
      const radius = (ring === 0 ? 0.5 : 1.5) + (rng.uniform() - 0.5) * 0.4;
      lines.push(`${(radius * Math.cos(angle)).toFixed(4)},${(radius * Math.sin(angle)).toFixed(4)},${ring}`);
    }
    return `${lines.join('\n')}\n`;
  };
  mkdirSync(RINGS);
  writeFileSync(join(RINGS, 'train.csv'), rows(256));
  writeFileSync(join(RINGS, 'test.csv'), rows(128));
}

beforeAll(async () => {
  await selectBackend('wasm');
  writeRings();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const RINGS_DATA = { format: 'csv', path: RINGS, labelColumn: 'ring' };

const request = (trainerConfig: Record<string, unknown>, extra: Partial<RunRequest> = {}): RunRequest => ({
  trainer: 'layers',
  trainerConfig: { data: RINGS_DATA, ...trainerConfig },
  ...extra,
});

/** The INVALID_ARGUMENT a compile or preflight of `req` throws: [field, message]. */
async function refusal(req: RunRequest, maxParams?: number): Promise<[string | undefined, string]> {
  const trainers = createRegistry(builtinTrainerList({ layers: { maxParams: maxParams ?? 5_000_000 } }));
  try {
    const spec = compileRunSpec(req, ANY_DATA_DIR, trainers);
    await preflightRuns([spec], ANY_DATA_DIR, trainers);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('INVALID_ARGUMENT');
    return [(error as AppError).fieldViolation?.field, (error as AppError).message];
  }
  throw new Error('expected a refusal');
}

describe('the layers trainer refuses before anything trains', () => {
  it('a loss that does not match the output', async () => {
    expect(await refusal(request({ model: mlp(2, 4, 1, 'sigmoid') }))).toEqual([
      'layers.loss',
      expect.stringMatching(
        /^layers\.loss: got "sparse_categorical_crossentropy"; allowed: a loss for one output unit .*the output layer "output" gives \[1\]/,
      ),
    ]);
    expect((await refusal(request({ model: mlp(2, 4, 2, 'linear') })))[1]).toMatch(
      /layers\.loss: .*a loss for the output's activation linear: sparse_categorical_crossentropy reads probabilities \(a softmax output\) unless fromLogits is true/,
    );
    expect((await refusal(request({ model: mlp(2, 4, 2), fromLogits: true })))[1]).toMatch(
      /layers\.fromLogits: got true; allowed: false: the output already applies softmax/,
    );
    // Categorical cross-entropy wants one-hot rows; the CSV's y is one class index per sample.
    expect((await refusal(request({ model: mlp(2, 4, 2), loss: 'categorical_crossentropy' })))[1]).toMatch(
      /layers\.loss: .*categorical_crossentropy needs y of shape \[2\] per sample but the data's y has \[\]/,
    );
  });

  it('an input shape that does not match the data', async () => {
    expect(await refusal(request({ model: mlp(3, 4, 2) }))).toEqual([
      'layers.model',
      expect.stringMatching(
        /^layers\.model: the input "input" takes samples of shape \[3\] \(3 values\) but the data's x has \[2\] \(2 values\)/,
      ),
    ]);
    // The bundled digits are 28×28: a 784-input model reads them flat, a 100-input one cannot.
    expect((await refusal(request({ model: mlp(100, 4, 10), data: { format: 'mnist' } })))[1]).toMatch(
      /input "input" takes samples of shape \[100\] .*the data's x has \[28, 28\]/,
    );
  });

  it('a model over the parameter budget, with the budget the service was given', async () => {
    expect(await refusal(request({ model: mlp(2, 40, 2) }), 200)).toEqual([
      'layers.model',
      expect.stringMatching(/^layers\.model: 202 parameters; allowed: at most 200 \(GRADNOISE_MAX_PARAMS\)/),
    ]);
  });

  it('data settings: a path for the format, a label column for CSV only, sizes within the files, the roots', async () => {
    expect((await refusal(request({ data: { format: 'npz' } })))[1]).toMatch(
      /layers\.data\.path: got undefined; allowed: an absolute path \(required when format is npz\)/,
    );
    expect(
      (await refusal(request({ data: { format: 'npz', path: '/x.npz', labelColumn: 'y' } })))[1],
    ).toMatch(/layers\.data\.labelColumn: got "y"; allowed: absent unless format is csv/);
    expect((await refusal(request({ data: { format: 'csv', path: RINGS } })))[1]).toMatch(
      /layers\.data\.labelColumn/,
    );
    expect(
      (await refusal(request({ model: mlp(2, 4, 2), data: { ...RINGS_DATA, trainSize: 1000 } })))[1],
    ).toMatch(/layers\.data\.trainSize: got 1000; allowed: at most 256/);
    const roots = dataRootPolicy(['/srv/data'], 'GRADNOISE_DATA_ROOTS');
    const spec = compileRunSpec(request({ model: mlp(2, 4, 2) }), roots);
    await expect(preflightRuns([spec], roots)).rejects.toThrow(
      /^layers\.data\.path: got ".*rings"; allowed: a directory in \/srv\/data/,
    );
  });
});

const points = postedPoints;
const lastCheckpoint = (messages: FromWorker[]) =>
  decodeCheckpoint(postedCheckpoints(messages).at(-1)?.bytes ?? new Uint8Array());

describe('the layers trainer through the worker loop', () => {
  it('learns the rings with a 2-layer dense model, and leaks no tensor', async () => {
    const before = tf.memory().numTensors;
    const spec = compileRunSpec(
      request(
        { model: mlp(2, 16, 2), metrics: { accuracy: true, mse: true } },
        {
          maxSteps: 200,
          evalEvery: 200,
          optimizer: { kind: 'adam', learningRate: 0.05 },
        },
      ),
      ANY_DATA_DIR,
    );
    const { outcome, messages } = await runInProcess(spec);
    expect(outcome).toEqual({ status: 'COMPLETED', endReason: 'BUDGET' });
    expect(tf.memory().numTensors).toBe(before);
    const final = Object.fromEntries(
      points(messages)
        .filter((p) => p.step === 200)
        .map((p) => [p.name, p.value]),
    );
    expect(final.test_accuracy).toBeGreaterThan(0.9);
    expect(final.test_mse).toBeLessThan(0.1);
    expect(Object.keys(final)).toEqual(
      expect.arrayContaining(['loss', 'train_loss', 'test_loss', 'train_mse']),
    );
    expect(lastCheckpoint(messages).model.map((t) => t.name)).toEqual([
      'hidden/kernel',
      'hidden/bias',
      'output/kernel',
      'output/bias',
    ]);
  });

  /** Dropout (masks per step from the streams) and BatchNormalization (moving statistics) both carry state across steps. */
  const resumable = request(
    {
      model: sequential([
        input([2]),
        layer('Dense', 'hidden', { units: 8, activation: 'relu' }),
        layer('BatchNormalization', 'bn', { axis: [1] }),
        layer('Dropout', 'drop', { rate: 0.25 }),
        layer('Dense', 'output', { units: 2, activation: 'softmax' }),
      ]),
      batchSize: 24,
    },
    { seed: 5, maxSteps: 8, evalEvery: 4, checkpointEvery: 3 },
  );

  it('resumes bit for bit from a mid-run checkpoint (dropout masks, batch-norm statistics, noise)', async () => {
    const spec = compileRunSpec(resumable, ANY_DATA_DIR);
    const straight = await runInProcess(spec);
    expect(straight.outcome).toEqual({ status: 'COMPLETED', endReason: 'BUDGET' });
    const atThree = postedCheckpoints(straight.messages).find((c) => c.step === 3);
    const resumed = await runInProcess(spec, { checkpoint: atThree?.bytes ?? null });
    const after3 = (messages: FromWorker[]) =>
      points(messages)
        .filter((p) => p.step > 3)
        .map((p) => [p.step, p.name, p.value]);
    expect(after3(resumed.messages)).toEqual(after3(straight.messages));
    const weights = (messages: FromWorker[]) =>
      lastCheckpoint(messages).model.map((t) => [t.name, Buffer.from(t.values.buffer)]);
    expect(weights(resumed.messages)).toEqual(weights(straight.messages));
    expect(lastCheckpoint(straight.messages).model.map((t) => t.name)).toContain('bn/moving_mean');
  });

  it('is a function of the seed: initializers and dropout draw from the run streams', async () => {
    const run = async (seed: number) =>
      points((await runInProcess(compileRunSpec({ ...resumable, seed }, ANY_DATA_DIR))).messages)
        .filter((p) => p.name === 'loss')
        .map((p) => p.value);
    const [a, b, c] = [await run(5), await run(5), await run(6)];
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('names weights by layer and originalName in every process, not by tfjs variable names', async () => {
    const analysis = analyzeTopology(mlp(2, 3, 2), Number.POSITIVE_INFINITY);
    const first = await buildModel(analysis, runStreams(1, 2));
    const second = await buildModel(analysis, runStreams(1, 2));
    // tfjs suffixed the second model's variables (hidden/kernel_1); the checkpoint names did not change.
    expect(second.weights.map((w) => w.variable.name)).not.toEqual(first.weights.map((w) => w.variable.name));
    expect(second.weights.map((w) => w.name)).toEqual(first.weights.map((w) => w.name));
    expect(second.weights.map((w) => w.variable.dataSync())).toEqual(
      first.weights.map((w) => w.variable.dataSync()),
    );
    first.model.dispose();
    second.model.dispose();
  });

  it('fails the run naming the element when a label is not a class of the output', async () => {
    const bad = join(dir, 'bad-labels');
    mkdirSync(bad);
    writeFileSync(join(bad, 'train.csv'), 'a,b,y\n0,1,0\n1,0,2\n');
    writeFileSync(join(bad, 'test.csv'), 'a,b,y\n0,0,1\n');
    const spec = compileRunSpec(
      request({ model: mlp(2, 3, 2), data: { format: 'csv', path: bad, labelColumn: 'y' } }, { maxSteps: 2 }),
      ANY_DATA_DIR,
    );
    const { outcome } = await runInProcess(spec);
    expect(outcome).toEqual({
      status: 'FAILED',
      error:
        "data: y_train element 1 is 2; sparse_categorical_crossentropy allows integers in [0, 2) (the output's units)",
    });
  });
});
