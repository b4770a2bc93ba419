import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ANY_DATA_DIR } from '../../../src/data/index.js';
import { loadApi } from '../../../src/protocol/proto.js';
import { compileRunSpec } from '../../../src/runs/index.js';
import { decodeStartRun } from '../../../src/server/codec/index.js';

/**
 * Typed requests compile to exactly the trainer configs they compiled to before the schema-driven
 * codec (recorded from the hand-written codec in fixtures/compiled-specs.json), so stored specs of
 * existing requests do not change.
 */
const CASES: Record<string, Record<string, unknown>> = {
  'smoke defaults': { trainer: 'smoke' },
  'smoke typed': {
    trainer: 'smoke',
    smoke: { hiddenUnits: 8, layers: 0, batchSize: 16 },
    seed: 3,
    maxSteps: 50,
  },
  'mlp defaults': { trainer: 'mlp' },
  'mlp typed': {
    trainer: 'mlp',
    mlp: {
      depth: 5,
      width: 32,
      init: 'MLP_INIT_HE',
      batchSize: 64,
      dropoutRate: 0.25,
      data: { source: 'DATA_SOURCE_KIND_MNIST', trainSize: 500, testSize: 0 },
    },
    optimizer: { kind: 'OPTIMIZER_KIND_ADAM', learningRate: 0.001 },
    maxSteps: 100,
  },
  'mlp idx': {
    trainer: 'mlp',
    mlp: {
      init: 'MLP_INIT_ZERO',
      data: { source: 'DATA_SOURCE_KIND_IDX', dir: '/usr/share/datasets/fashion-mnist', trainSize: 1000 },
    },
    maxSteps: 10,
  },
  'neural_gpu defaults': { trainer: 'neural_gpu' },
  'neural_gpu typed': {
    trainer: 'neural_gpu',
    neuralGpu: {
      task: 'NEURAL_GPU_TASK_ADD',
      maps: 8,
      layers: 1,
      kernelWidth: 5,
      height: 2,
      dropoutRate: 0,
      batchSize: 4,
      maxTrainLength: 6,
      curriculumStart: 2,
      curriculumThreshold: 0.5,
      testLengths: [12, 6, 12],
      evalExamples: 16,
      gateCutoff: 1,
      curriculumWindow: 3,
    },
    maxSteps: 20,
  },
};

const recorded = JSON.parse(
  readFileSync(new URL('./fixtures/compiled-specs.json', import.meta.url), 'utf8'),
) as Record<string, { trainer: string; trainerConfig: Record<string, unknown> }>;

describe('typed trainer configs compile as before', () => {
  const method = loadApi().grpc.gradnoise.v1.TrainingService.service.StartRun;
  it('covers every recorded case', () =>
    expect(Object.keys(CASES).sort()).toEqual(Object.keys(recorded).sort()));

  it.each(Object.entries(CASES))('%s', (name, request) => {
    // Through the wire, as the server receives it.
    const message = method.requestDeserialize(method.requestSerialize(request as never));
    const spec = compileRunSpec(decodeStartRun(message).request, ANY_DATA_DIR);
    const stored = JSON.stringify({ trainer: spec.trainer, trainerConfig: spec.trainerConfig });
    expect(stored).toBe(JSON.stringify(recorded[name]));
  });
});
