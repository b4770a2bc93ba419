import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunRequest } from '../../src/runs/compile-spec.js';

/**
 * The runs of test/fixtures/stream-v1/: one per built-in trainer, with dropout where the trainer
 * has it and noise on, small enough to train in seconds. `request` is what a client asked for;
 * the fixture's `.spec.json` is what the code of the time compiled and stored from it.
 */
export interface V1Fixture {
  readonly name: string;
  readonly runId: string;
  readonly request: RunRequest;
  /** The step of the stored intermediate checkpoint. */
  readonly resumeStep: number;
}

export const V1_FIXTURES: readonly V1Fixture[] = [
  {
    name: 'smoke',
    runId: '00000000-0000-4000-8000-000000000001',
    request: {
      trainer: 'smoke',
      optimizer: { kind: 'adam', learningRate: 0.01 },
      noise: { eta: 0.3 },
      seed: 11,
      maxSteps: 12,
      evalEvery: 4,
      checkpointEvery: 6,
    },
    resumeStep: 6,
  },
  {
    // The ziggurat generator (runs stored before `noise.generator`), momentum slots, clipping, and a
    // seed with its top bit set.
    name: 'smoke-ziggurat',
    runId: '00000000-0000-4000-8000-000000000002',
    request: {
      trainer: 'smoke',
      trainerConfig: { layers: 2 },
      optimizer: { kind: 'momentum', learningRate: 0.05, momentum: 0.9 },
      noise: { eta: 0.5, generator: 'ziggurat' },
      clip: { byGlobalNorm: 1 },
      seed: 0xfffffff0,
      maxSteps: 12,
      evalEvery: 6,
      checkpointEvery: 4,
    },
    resumeStep: 4,
  },
  {
    name: 'mlp',
    runId: '00000000-0000-4000-8000-000000000003',
    request: {
      trainer: 'mlp',
      trainerConfig: { depth: 2, width: 16, batchSize: 20, dropoutRate: 0.25 },
      optimizer: { kind: 'sgd', learningRate: 0.1 },
      noise: { eta: 0.01 },
      seed: 3,
      maxSteps: 8,
      evalEvery: 4,
      checkpointEvery: 4,
    },
    resumeStep: 4,
  },
  {
    name: 'neural_gpu',
    runId: '00000000-0000-4000-8000-000000000004',
    request: {
      trainer: 'neural_gpu',
      trainerConfig: {
        maps: 4,
        layers: 2,
        height: 2,
        batchSize: 4,
        dropoutRate: 0.3,
        maxTrainLength: 6,
        curriculumStart: 3,
        curriculumWindow: 2,
        curriculumThreshold: 1,
        testLengths: [5],
        evalExamples: 8,
      },
      optimizer: { kind: 'adam', learningRate: 0.01 },
      noise: { eta: 0.3 },
      clip: { byGlobalNorm: 5 },
      seed: 21,
      maxSteps: 8,
      evalEvery: 4,
      checkpointEvery: 4,
    },
    resumeStep: 4,
  },
];

export const FIXTURE_DIR = join(import.meta.dirname, '..', 'fixtures', 'stream-v1');

/** What the code of cab56fc recorded for a fixture run (see stream-v1-fixtures.ts). */
export interface V1Expected {
  readonly finalStep: number;
  /** sha256 of each tensor of the final checkpoint, `model/<name>` and `optimizer/<name>`. */
  readonly finalTensors: Readonly<Record<string, string>>;
  /** Every metric point of the uninterrupted run: [step, name, value]. */
  readonly points: ReadonlyArray<readonly [number, string, number]>;
}

/** The stored spec (JSON, untyped as a stored row is), the checkpoint bytes and the expectations. */
export function loadV1Fixture(fixture: V1Fixture): {
  readonly storedSpec: unknown;
  readonly checkpoint: Uint8Array;
  readonly expected: V1Expected;
} {
  const file = (suffix: string) => readFileSync(join(FIXTURE_DIR, `${fixture.name}${suffix}`));
  return {
    storedSpec: JSON.parse(file('.spec.json').toString('utf8')),
    checkpoint: new Uint8Array(file(`.step${fixture.resumeStep}.safetensors`)),
    expected: JSON.parse(file('.expected.json').toString('utf8')) as V1Expected,
  };
}

/**
 * Tensor digests in a form two processes agree on: model tensors by name, the optimizer's slots in
 * order. Slot names embed tfjs's process-wide variable counter (`dense0/…` in one process,
 * `dense3/…` after other models were built), which is not part of the run.
 */
export function comparableDigests(digests: Readonly<Record<string, string>>): {
  readonly model: Record<string, string>;
  readonly optimizer: string[];
} {
  const entries = Object.entries(digests);
  return {
    model: Object.fromEntries(entries.filter(([name]) => name.startsWith('model/'))),
    optimizer: entries.filter(([name]) => name.startsWith('optimizer/')).map(([, digest]) => digest),
  };
}

type Point = readonly [step: number, name: string, value: number];

/**
 * Compares a metric history with a recorded one, point by point: the same (step, name) keys, and
 * each value exactly one the recording has for its key. The recording is the live stream of
 * cab56fc, which carried `neural_gpu`'s `curriculum_length` twice at evaluated steps (once from
 * `trainStep`, once from `evaluate`); the store keeps one of them, and so may a later live stream.
 */
export function historyDifferences(actual: readonly Point[], recorded: readonly Point[]): string[] {
  const group = (points: readonly Point[]) => {
    const out = new Map<string, number[]>();
    for (const [step, name, value] of points) {
      const key = `${name}@${step}`;
      out.set(key, [...(out.get(key) ?? []), value]);
    }
    return out;
  };
  const [got, want] = [group(actual), group(recorded)];
  const differences: string[] = [];
  for (const key of want.keys()) if (!got.has(key)) differences.push(`${key}: missing`);
  for (const [key, values] of got) {
    const allowed = want.get(key) ?? [];
    for (const value of values)
      if (!allowed.some((v) => Object.is(v, value)))
        differences.push(`${key}: got ${value}, recorded ${allowed.join(' or ') || 'nothing'}`);
  }
  return differences;
}
