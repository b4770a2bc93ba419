import { invalidArgument } from '../../core/index.js';
import type {
  StartRunRequest,
  StartRunRequest__Output,
} from '../../generated/proto/gradnoise/v1/StartRunRequest.js';
import { enumValue, optionalFinite } from '../fields.js';

/**
 * Maps each trainer's typed proto config message (the `config` oneof of StartRunRequest) to the
 * trainer's domain config and back. Unset proto fields become `undefined`, so the trainer's defaults
 * apply; range checks belong to the trainer's `compile`, which knows its limits.
 */

type Json = Record<string, unknown>;

const MLP_INIT = {
  MLP_INIT_SIMPLE: 'simple',
  MLP_INIT_ZERO: 'zero',
  MLP_INIT_HE: 'he',
  MLP_INIT_SUSSILLO: 'sussillo',
} as const;
const DATA_SOURCE = { DATA_SOURCE_MNIST: 'mnist', DATA_SOURCE_IDX: 'idx' } as const;
const NGPU_TASK = { NEURAL_GPU_TASK_MUL: 'mul', NEURAL_GPU_TASK_ADD: 'add' } as const;

/** The oneof case each trainer's config travels in. */
export const CONFIG_CASE: Readonly<Record<string, 'smoke' | 'mlp' | 'neuralGpu'>> = {
  smoke: 'smoke',
  mlp: 'mlp',
  neural_gpu: 'neuralGpu',
};

/** Full proto name of each trainer's config message. */
export const CONFIG_MESSAGE: Readonly<Record<string, string>> = {
  smoke: 'gradnoise.v1.SmokeConfig',
  mlp: 'gradnoise.v1.MlpConfig',
  neural_gpu: 'gradnoise.v1.NeuralGpuConfig',
};

/** Decodes the request's config oneof into trainer config overrides. */
export function decodeTrainerConfig(trainer: string, request: StartRunRequest__Output): Json {
  const oneofCase = request.config;
  if (oneofCase === undefined) return {};
  const expected = CONFIG_CASE[trainer];
  if (expected !== oneofCase) {
    const allowed =
      expected === undefined
        ? 'no config for this trainer'
        : `the ${expected} config (trainer is ${trainer})`;
    throw invalidArgument('config', oneofCase, allowed);
  }
  if (oneofCase === 'smoke' && request.smoke) {
    const c = request.smoke;
    return {
      hiddenUnits: c.hiddenUnits,
      layers: c.layers,
      batchSize: c.batchSize,
    };
  }
  if (oneofCase === 'mlp' && request.mlp) {
    const c = request.mlp;
    const data = c.data
      ? {
          source: enumValue('mlp.data.source', c.data.source, DATA_SOURCE, 'DATA_SOURCE_UNSPECIFIED'),
          dir: c.data.dir === '' ? undefined : c.data.dir,
          trainSize: c.data.trainSize === 0 ? undefined : c.data.trainSize,
          testSize: c.data.testSize === 0 ? undefined : c.data.testSize,
        }
      : undefined;
    return {
      depth: c.depth,
      width: c.width,
      init: enumValue('mlp.init', c.init, MLP_INIT, 'MLP_INIT_UNSPECIFIED'),
      batchSize: c.batchSize,
      dropoutRate: optionalFinite('mlp.dropout_rate', c.dropoutRate),
      data,
    };
  }
  if (oneofCase === 'neuralGpu' && request.neuralGpu) {
    const c = request.neuralGpu;
    return {
      task: enumValue('neural_gpu.task', c.task, NGPU_TASK, 'NEURAL_GPU_TASK_UNSPECIFIED'),
      maps: c.maps,
      layers: c.layers,
      kernelWidth: c.kernelWidth,
      kernelHeight: c.kernelHeight,
      height: c.height,
      dropoutRate: optionalFinite('neural_gpu.dropout_rate', c.dropoutRate),
      batchSize: c.batchSize,
      maxTrainLength: c.maxTrainLength,
      curriculumStart: c.curriculumStart,
      curriculumThreshold: optionalFinite('neural_gpu.curriculum_threshold', c.curriculumThreshold),
      testLengths: c.testLengths.length > 0 ? [...c.testLengths] : undefined,
      evalExamples: c.evalExamples,
      gateCutoff: optionalFinite('neural_gpu.gate_cutoff', c.gateCutoff),
      curriculumWindow: c.curriculumWindow,
    };
  }
  return {};
}

function reverse<T extends string>(mapping: Readonly<Record<string, T>>, value: unknown): string | undefined {
  return Object.entries(mapping).find(([, v]) => v === value)?.[0];
}

/** Encodes a compiled trainer config as the request's oneof, for Run.spec and ListTrainers. */
export function encodeTrainerConfig(trainer: string, config: Readonly<Json>): Partial<StartRunRequest> {
  const c = config as Json;
  if (trainer === 'smoke') {
    return {
      smoke: {
        hiddenUnits: c.hiddenUnits as number,
        layers: c.layers as number,
        batchSize: c.batchSize as number,
      },
    };
  }
  if (trainer === 'mlp') {
    const data = (c.data ?? {}) as Json;
    return {
      mlp: {
        depth: c.depth as number,
        width: c.width as number,
        init: reverse(MLP_INIT, c.init) as 'MLP_INIT_SIMPLE',
        batchSize: c.batchSize as number,
        dropoutRate: c.dropoutRate as number,
        data: {
          source: reverse(DATA_SOURCE, data.source) as 'DATA_SOURCE_MNIST',
          dir: (data.dir as string | undefined) ?? '',
          ...(typeof data.trainSize === 'number' ? { trainSize: data.trainSize } : {}),
          ...(typeof data.testSize === 'number' ? { testSize: data.testSize } : {}),
        },
      },
    };
  }
  if (trainer === 'neural_gpu') {
    return {
      neuralGpu: {
        task: reverse(NGPU_TASK, c.task) as 'NEURAL_GPU_TASK_MUL',
        maps: c.maps as number,
        layers: c.layers as number,
        kernelWidth: c.kernelWidth as number,
        kernelHeight: c.kernelHeight as number,
        height: c.height as number,
        dropoutRate: c.dropoutRate as number,
        batchSize: c.batchSize as number,
        maxTrainLength: c.maxTrainLength as number,
        curriculumStart: c.curriculumStart as number,
        curriculumThreshold: c.curriculumThreshold as number,
        testLengths: (c.testLengths as number[] | undefined) ?? [],
        evalExamples: c.evalExamples as number,
        gateCutoff: c.gateCutoff as number,
        curriculumWindow: c.curriculumWindow as number,
      },
    };
  }
  return {};
}
