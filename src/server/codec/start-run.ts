import type { InitFrom, RunSpec } from '../../core/index.js';
import {
  type InnerOptimizerOptions,
  LIMITS,
  type NoiseGenerator,
  type NoiseTarget,
  type OptimizerKind,
  type Schedule,
} from '../../core/index.js';
import type { NoiseConfig__Output } from '../../generated/proto/gradnoise/v1/NoiseConfig.js';
import type { OptimizerConfig__Output } from '../../generated/proto/gradnoise/v1/OptimizerConfig.js';
import type {
  StartRunRequest,
  StartRunRequest__Output,
} from '../../generated/proto/gradnoise/v1/StartRunRequest.js';
import type { RunRequest } from '../../runs/compile-spec.js';
import type { InitFromRequest } from '../../runs/index.js';
import { builtinTrainers, type TrainerRegistry } from '../../trainers/index.js';
import { displayName, enumValue, int64, labels, optionalFinite, shortString } from '../fields.js';
import { decodeLearningRateSchedule, encodeLearningRateSchedule } from './lr-schedule.js';
import { decodeInitFrom, decodeRetention, encodeInitFrom, encodeRetention } from './run-checkpoints.js';
import { decodeTrainerConfig, encodeTrainerConfig } from './trainer-configs.js';

const OPTIMIZER_KIND: Readonly<Record<string, OptimizerKind>> = {
  OPTIMIZER_KIND_SGD: 'sgd',
  OPTIMIZER_KIND_MOMENTUM: 'momentum',
  OPTIMIZER_KIND_ADAM: 'adam',
  OPTIMIZER_KIND_ADAGRAD: 'adagrad',
  OPTIMIZER_KIND_RMSPROP: 'rmsprop',
  OPTIMIZER_KIND_ADADELTA: 'adadelta',
  OPTIMIZER_KIND_ADAMAX: 'adamax',
};
const SCHEDULE: Readonly<Record<string, Schedule>> = {
  SCHEDULE_ANNEALED: 'annealed',
  SCHEDULE_FIXED: 'fixed',
};
const TARGET: Readonly<Record<string, NoiseTarget>> = {
  NOISE_TARGET_GRADIENT: 'gradient',
  NOISE_TARGET_WEIGHT: 'weight',
};
const GENERATOR: Readonly<Record<string, NoiseGenerator>> = {
  NOISE_GENERATOR_BOX_MULLER: 'box-muller',
  NOISE_GENERATOR_ZIGGURAT: 'ziggurat',
  NOISE_GENERATOR_PHILOX: 'philox',
};

/** The int64 values a JavaScript number holds exactly: what translating one can give. */
const MIN_INT = Number.MIN_SAFE_INTEGER;
const MAX_INT = Number.MAX_SAFE_INTEGER;

export const MAX_REQUEST_ID = 128;
export const MAX_TRAINER_NAME = 64;

/** What StartRun needs besides the run request itself. */
export interface DecodedStartRun {
  readonly request: RunRequest;
  readonly labels: Record<string, string>;
  readonly requestId: string | null;
  /** '' when the request names none. */
  readonly displayName: string;
  /** Undefined: the run starts from scratch. */
  readonly initFrom?: InitFromRequest;
}

/**
 * Decodes a StartRunRequest into domain terms; value ranges are checked by `compileRunSpec`. The
 * config is read against `trainers`' schema of the named trainer.
 */
export function decodeStartRun(
  message: StartRunRequest__Output,
  trainers: TrainerRegistry = builtinTrainers,
): DecodedStartRun {
  const trainer = shortString('trainer', message.trainer, MAX_TRAINER_NAME);
  const noise = message.noise;
  const clip = message.clip;
  const request: RunRequest = {
    trainer,
    trainerConfig: decodeTrainerConfig(trainer, message, trainers),
    ...(message.optimizer ? { optimizer: decodeOptimizer(message.optimizer) } : {}),
    ...(noise ? { noise: decodeNoise(noise) } : {}),
    ...(clip
      ? {
          clip: dropUndefined({
            byValue: clip.byValue,
            byTensorNorm: clip.byTensorNorm,
            byGlobalNorm: clip.byGlobalNorm,
          }),
        }
      : {}),
    ...(message.lrSchedule ? { lrSchedule: decodeLearningRateSchedule(message.lrSchedule) } : {}),
    seed: int64('seed', message.seed, 0, LIMITS.maxSeed),
    maxSteps: int64('max_steps', message.maxSteps, 0, LIMITS.maxSteps),
    maxEpochs: int64('max_epochs', message.maxEpochs, 0, LIMITS.maxEpochs),
    evalEvery: int64('eval_every', message.evalEvery, 0, LIMITS.maxSteps),
    checkpointEvery: int64('checkpoint_every', message.checkpointEvery, 0, LIMITS.maxSteps),
    ...(message.streamVersion !== 0 ? { streamVersion: message.streamVersion } : {}),
    ...(message.retention ? { retention: decodeRetention(message.retention) } : {}),
  };
  const initFrom = decodeInitFrom(message.initFrom);
  const requestId = shortString('request_id', message.requestId, MAX_REQUEST_ID);
  return {
    request,
    labels: labels('labels', message.labels),
    requestId: requestId === '' ? null : requestId,
    displayName: displayName('display_name', message.displayName),
    ...(initFrom === undefined ? {} : { initFrom }),
  };
}

/**
 * The noise fields in domain terms, translated only: enums to their names, the int64 to a number
 * (0, the proto default, to unset). Their ranges are the optim module's to check, once, when the
 * run spec is compiled (`compileNoiseSettings`).
 */
function decodeNoise(noise: NoiseConfig__Output): NonNullable<RunRequest['noise']> {
  return dropUndefined({
    eta: noise.eta,
    gamma: noise.gamma,
    schedule: enumValue('noise.schedule', noise.schedule, SCHEDULE, 'SCHEDULE_UNSPECIFIED'),
    target: enumValue('noise.target', noise.target, TARGET, 'NOISE_TARGET_UNSPECIFIED'),
    stepsPerTick: nonZero(int64('noise.steps_per_tick', noise.stepsPerTick, MIN_INT, MAX_INT)),
    generator: enumValue('noise.generator', noise.generator, GENERATOR, 'NOISE_GENERATOR_UNSPECIFIED'),
  });
}

function decodeOptimizer(o: OptimizerConfig__Output): Partial<InnerOptimizerOptions> {
  return dropUndefined({
    kind: enumValue('optimizer.kind', o.kind, OPTIMIZER_KIND, 'OPTIMIZER_KIND_UNSPECIFIED'),
    learningRate: optionalFinite('optimizer.learning_rate', o.learningRate),
    momentum: optionalFinite('optimizer.momentum', o.momentum),
    useNesterov: o.useNesterov,
    beta1: optionalFinite('optimizer.beta1', o.beta1),
    beta2: optionalFinite('optimizer.beta2', o.beta2),
    epsilon: optionalFinite('optimizer.epsilon', o.epsilon),
    rho: optionalFinite('optimizer.rho', o.rho),
    decay: optionalFinite('optimizer.decay', o.decay),
    centered: o.centered,
    initialAccumulatorValue: optionalFinite('optimizer.initial_accumulator_value', o.initialAccumulatorValue),
  });
}

function reverse<T>(mapping: Readonly<Record<string, T>>, value: T): string {
  const found = Object.entries(mapping).find(([, v]) => v === value);
  if (!found) throw new Error(`no proto enum value for ${String(value)}`);
  return found[0];
}

/** Encodes a compiled spec as a complete StartRunRequest that reproduces the run. */
export function encodeSpec(
  spec: RunSpec,
  extra: {
    labels?: Record<string, string>;
    requestId?: string;
    displayName?: string;
    initFrom?: InitFrom | null;
  } = {},
): StartRunRequest {
  const o = spec.optimizer;
  return {
    trainer: spec.trainer,
    ...encodeTrainerConfig(spec.trainer, spec.trainerConfig),
    optimizer: dropUndefined({
      kind: reverse(OPTIMIZER_KIND, o.kind) as 'OPTIMIZER_KIND_SGD',
      learningRate: o.learningRate,
      momentum: o.momentum,
      useNesterov: o.useNesterov,
      beta1: o.beta1,
      beta2: o.beta2,
      epsilon: o.epsilon,
      rho: o.rho,
      decay: o.decay,
      centered: o.centered,
      initialAccumulatorValue: o.initialAccumulatorValue,
    }),
    noise: {
      eta: spec.noise.eta,
      gamma: spec.noise.gamma,
      schedule: reverse(SCHEDULE, spec.noise.schedule) as 'SCHEDULE_ANNEALED',
      target: reverse(TARGET, spec.noise.target) as 'NOISE_TARGET_GRADIENT',
      stepsPerTick: spec.noise.stepsPerTick,
      generator: reverse(GENERATOR, spec.noise.generator) as 'NOISE_GENERATOR_BOX_MULLER',
    },
    clip: dropUndefined({
      byValue: spec.clip.byValue,
      byTensorNorm: spec.clip.byTensorNorm,
      byGlobalNorm: spec.clip.byGlobalNorm,
    }),
    lrSchedule: encodeLearningRateSchedule(spec.lrSchedule),
    seed: spec.seed,
    maxSteps: spec.maxSteps,
    evalEvery: spec.evalEvery,
    checkpointEvery: spec.checkpointEvery,
    streamVersion: spec.streamVersion,
    labels: extra.labels ?? {},
    requestId: extra.requestId ?? '',
    displayName: extra.displayName ?? '',
    initFrom: extra.initFrom == null ? null : encodeInitFrom(extra.initFrom),
    retention: encodeRetention(spec.retention),
  };
}

function nonZero(value: number): number | undefined {
  return value === 0 ? undefined : value;
}

function dropUndefined<T extends Record<string, unknown>>(
  value: T,
): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}
