import { describe, expect, it } from 'vitest';
import { storedRunSpec } from '../../../src/core/index.js';
import { ANY_DATA_DIR } from '../../../src/data/index.js';
import type { StartRunRequest } from '../../../src/generated/proto/gradnoise/v1/StartRunRequest.js';
import { loadApi } from '../../../src/protocol/proto.js';
import { compileRunSpec } from '../../../src/runs/index.js';
import { decodeStartRun, encodeSpec } from '../../../src/server/codec/index.js';

/** Schedules and per-tensor clipping through the wire: compiled, and encoded back as a request that compiles to the same spec. */

const method = loadApi().grpc.gradnoise.v1.TrainingService.service.StartRun;
const compile = (request: StartRunRequest) =>
  compileRunSpec(
    decodeStartRun(method.requestDeserialize(method.requestSerialize(request))).request,
    ANY_DATA_DIR,
  );

describe('the lr_schedule and clip.by_tensor_norm codec', () => {
  it.each<[string, StartRunRequest]>([
    ['no schedule', { trainer: 'smoke', maxSteps: 40 }],
    [
      'step decay in epochs',
      {
        trainer: 'smoke',
        clip: { byTensorNorm: 40 },
        lrSchedule: { kind: 'LEARNING_RATE_SCHEDULE_KIND_STEP', everyEpochs: 25, minLearningRate: 0.001 },
      },
    ],
    [
      'step decay counted from the phase start',
      {
        trainer: 'memn2n',
        lrSchedule: { kind: 'LEARNING_RATE_SCHEDULE_KIND_STEP', everyEpochs: 25, fromPhaseStart: true },
      },
    ],
    [
      'plateau',
      {
        trainer: 'smoke',
        lrSchedule: {
          kind: 'LEARNING_RATE_SCHEDULE_KIND_PLATEAU',
          metric: 'test_accuracy',
          patience: 0,
          minDelta: 0.01,
          factor: 0.1,
        },
      },
    ],
  ])('%s round-trips', (_name, request) => {
    const spec = compile(request);
    expect(compile(encodeSpec(spec))).toEqual(spec);
  });

  it('compiles epochs to steps, takes the declared direction, and reads old specs as constant', () => {
    const step = compile({
      trainer: 'smoke',
      lrSchedule: { kind: 'LEARNING_RATE_SCHEDULE_KIND_STEP', everyEpochs: 25 },
    });
    // smoke: 1024 training samples in batches of 32.
    expect(step.lrSchedule).toEqual({ kind: 'step', factor: 0.5, everySteps: 800, minLearningRate: 0 });
    const plateau = compile({
      trainer: 'smoke',
      lrSchedule: { kind: 'LEARNING_RATE_SCHEDULE_KIND_PLATEAU', metric: 'test_accuracy' },
    });
    expect(plateau.lrSchedule).toMatchObject({ direction: 'max', patience: 10 });
    const { lrSchedule: _dropped, ...old } = step;
    expect(storedRunSpec(old).lrSchedule).toEqual({ kind: 'constant' });
    expect(compile({ trainer: 'smoke', clip: { byTensorNorm: 40 } }).clip).toEqual({ byTensorNorm: 40 });
    expect(
      compile({
        trainer: 'memn2n',
        lrSchedule: { kind: 'LEARNING_RATE_SCHEDULE_KIND_STEP', everyEpochs: 25, fromPhaseStart: true },
      }).lrSchedule,
    ).toEqual({ kind: 'step', factor: 0.5, everySteps: 725, minLearningRate: 0, fromPhaseStart: true });
    // A trainer without phases refuses it, naming the field.
    expect(() =>
      compile({
        trainer: 'smoke',
        lrSchedule: { kind: 'LEARNING_RATE_SCHEDULE_KIND_STEP', everySteps: 5, fromPhaseStart: true },
      }),
    ).toThrow('lrSchedule.fromPhaseStart: got true; allowed: false for a trainer that declares no phases');
  });
});
