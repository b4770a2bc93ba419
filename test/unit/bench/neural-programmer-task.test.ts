import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { LineChild } from '../../../bench/lib/line-child.js';
import {
  type ExportedBatch,
  exportRun,
  NP_BENCH_SEED,
  npLearnRequest,
  npSpeedRequest,
} from '../../../bench/neural_programmer/task.js';
import { selectBackend } from '../../../src/backend/index.js';
import { runStreams } from '../../../src/core/index.js';
import { ANY_DATA_DIR } from '../../../src/data/index.js';
import { createInnerOptimizer, createNoisyOptimizer } from '../../../src/optim/index.js';
import { compileRunSpec, type RunRequest } from '../../../src/runs/compile-spec.js';
import { builtinTrainers } from '../../../src/trainers/index.js';
import {
  type EncodedBatch,
  encodeBatch,
  type NeuralProgrammerConfig,
  NeuralProgrammerSession,
  tableVocabulary,
} from '../../../src/trainers/neural_programmer/index.js';
import { readMetric } from '../trainers/helpers.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

/** Every operation in play: two numeric columns and a text one, all templates, T = 4. */
const SMALL: RunRequest = {
  trainer: 'neural_programmer',
  seed: 3,
  trainerConfig: {
    columns: 2,
    textColumn: true,
    rows: 6,
    hiddenSize: 8,
    datasetSize: 40,
    evalSize: 150,
    batchSize: 10,
  },
};

const INT_KEYS = new Set(['tokens', 'numberPositions', 'columnNames']);

/** An exported batch back in the typed arrays `encodeBatch` gives. */
function importBatch(batch: ExportedBatch): EncodedBatch {
  return Object.fromEntries(
    Object.entries(batch).map(([key, value]) => [
      key,
      typeof value === 'number'
        ? value
        : INT_KEYS.has(key)
          ? Int32Array.from(value)
          : Float32Array.from(value),
    ]),
  ) as unknown as EncodedBatch;
}

function sessionOf(request: RunRequest, eta = 0) {
  const spec = compileRunSpec(request, ANY_DATA_DIR, builtinTrainers);
  const optimizer = createNoisyOptimizer(createInnerOptimizer(spec.optimizer), {
    ...spec.noise,
    eta,
    seed: spec.seed,
    clip: spec.clip,
  });
  const config = spec.trainerConfig as unknown as NeuralProgrammerConfig;
  const session = new NeuralProgrammerSession(config, {
    streams: runStreams(spec.seed, spec.streamVersion),
    optimizer,
    backend: 'wasm',
    dataRoots: ANY_DATA_DIR,
  });
  return { spec, config, session, optimizer };
}

/** Whether `/usr/bin/python3` can import torch (the reference's only dependency). */
function torchImportable(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('the neural_programmer speed benchmark export', () => {
  it('runs the trainer defaults (paper §4.3: Adam, clip, then noise η = 1.0)', () => {
    const spec = compileRunSpec(npSpeedRequest(NP_BENCH_SEED), ANY_DATA_DIR, builtinTrainers);
    expect(spec.trainerConfig).toMatchObject({
      columns: 5,
      rows: 30,
      hiddenSize: 64,
      steps: 4,
      batchSize: 20,
    });
    expect(spec.optimizer).toMatchObject({ kind: 'adam', learningRate: 1e-3 });
    expect(spec.clip).toEqual({ byGlobalNorm: 1 });
    expect(spec.noise).toMatchObject({ eta: 1, gamma: 0.55 });
    const learn = compileRunSpec(npLearnRequest(NP_BENCH_SEED), ANY_DATA_DIR, builtinTrainers);
    expect(learn.trainerConfig).toMatchObject({
      columns: 1,
      templates: 'sum_count',
      steps: 1,
      hiddenSize: 16,
    });
    expect(learn.optimizer).toMatchObject({ kind: 'adam', learningRate: 0.05 });
    expect(learn.noise).toMatchObject({ eta: 1, gamma: 0.55 });
  });

  it('round-trips, through JSON, to what encode.ts gives for the same steps and test questions', () => {
    const { spec, config, session, optimizer } = sessionOf(SMALL);
    const exported = JSON.parse(
      JSON.stringify(exportRun(session, spec, { batches: 6, withWeights: true })),
    ) as ReturnType<typeof exportRun>;
    const vocabulary = tableVocabulary();
    expect(exported).toMatchObject({
      vocabularySize: vocabulary.size,
      hiddenSize: 8,
      steps: 4,
      operations: [...'sum count difference greater lesser and or print reset text_match'.split(' ')],
      huberDelta: config.huberDelta,
      lambda: config.lambda,
      adam: { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
      clipGlobalNorm: 1,
      noise: { eta: 1, gamma: 0.55 },
    });
    // Six steps with 4 batches an epoch: the second epoch's order too.
    expect(exported.train.map(importBatch)).toEqual(
      [0, 1, 2, 3, 4, 5].map((k) => encodeBatch(session.batchAt(k), vocabulary, 6, 3)),
    );
    const test = session.splits.test;
    expect(exported.test.map(importBatch)).toEqual([
      encodeBatch(test.slice(0, 100), vocabulary, 6, 3),
      encodeBatch(test.slice(100), vocabulary, 6, 3),
    ]);
    const { tensors } = session.exportState();
    expect(Object.keys(exported.initial ?? {})).toEqual(tensors.map((t) => t.name));
    for (const { name, tensor } of tensors) {
      expect(exported.initial?.[name]).toEqual({
        shape: tensor.shape,
        values: Array.from(tensor.dataSync()),
      });
    }
    tf.dispose(tensors.map((t) => t.tensor));
    expect(exportRun(session, spec, { batches: 1, withWeights: false }).initial).toBeUndefined();
    session.dispose();
    optimizer.dispose();
  });

  it('refuses a run the PyTorch reference does not implement', () => {
    for (const [request, message] of [
      [{ ...SMALL, optimizer: { kind: 'sgd', learningRate: 0.1 } }, /trains Adam/],
      [{ ...SMALL, clip: { byValue: 1 } }, /global norm only/],
      [{ ...SMALL, noise: { schedule: 'fixed' } }, /annealed/],
      [{ ...SMALL, trainerConfig: { ...SMALL.trainerConfig, dropout: 0.1 } }, /no dropout/],
    ] as const) {
      const { spec, session, optimizer } = sessionOf(request as RunRequest);
      expect(() => exportRun(session, spec, { batches: 1, withWeights: false })).toThrow(message);
      session.dispose();
      optimizer.dispose();
    }
  });

  it.skipIf(!torchImportable())(
    'trains to the same losses in the PyTorch reference from the exported weights and batches',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'np-bench-test-'));
      const { spec, session, optimizer } = sessionOf(SMALL);
      const path = join(dir, 'run.json');
      await writeFile(path, JSON.stringify(exportRun(session, spec, { batches: 3, withWeights: true })));
      const tfjsLosses = [0, 1, 2].map((k) => readMetric(session.trainStep(k).loss));
      const { child } = await LineChild.start('/usr/bin/python3', [
        'bench/neural_programmer/torch_child.py',
        path,
        path,
        '1',
      ]);
      try {
        const reply = await child.request({ cmd: 'run', arm: 'plain', steps: 3 });
        // Step 0: the same forward pass on the same weights; step 2: after two clipped Adam updates.
        expect(Number(reply.firstLoss)).toBeCloseTo(tfjsLosses[0] as number, 3);
        expect(Math.abs(Number(reply.loss) / (tfjsLosses[2] as number) - 1)).toBeLessThan(1e-4);
      } finally {
        await child.close();
        session.dispose();
        optimizer.dispose();
        await rm(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
