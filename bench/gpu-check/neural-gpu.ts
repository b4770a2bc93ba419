/**
 * The Neural GPU trainer's step timed on one backend, for `scripts/gpu-check.sh` (issue 20 §4):
 *
 *   tsx bench/gpu-check/neural-gpu.ts --backend webgpu|wasm --steps 50 --out <file.json>
 *       [--maps 128] [--layers 2] [--length 20] [--batch-size 32] [--budget-s 240] [--seed 1]
 *
 * Defaults are the paper's size (§4.5: 128 maps as in the public implementation, 2 layers,
 * operands of 20 digits, batch 32, multiplication) with the trainer's own optimizer (Adam 1e-3,
 * ε 1e-4, global-norm clip 1, noise η = 1, γ = 0.55) and the `philox` generator, whose noise
 * `webgpu` draws on the device. The session is the trainer's own (`NeuralGpuSession`), each step as
 * the runtime runs it: `trainStepAsync`, then the optimizer's `settle`.
 *
 * Every timed step has operands of exactly `--length` digits, so the backends are compared on
 * the same work: the curriculum starts at its last length, where the length of step k is a pure
 * function of (seed, k) (half the time the frontier, else shorter), and only the steps k whose
 * length is the frontier are run. The first step compiles kernels; `msPerStep` is the median of
 * the others. Steps stop early, with a note, once `--budget-s` has passed (a wasm step at paper
 * size takes minutes).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type BackendPreference, selectBackend } from '../../src/backend/index.js';
import { CURRENT_STREAM_VERSION, runStreams, Stream } from '../../src/core/index.js';
import { ANY_DATA_DIR } from '../../src/data/index.js';
import { createInnerOptimizer, createNoisyOptimizer } from '../../src/optim/index.js';
import { sampleTrainLength } from '../../src/trainers/neural_gpu/curriculum.js';
import {
  compileNeuralGpuConfig,
  NEURAL_GPU_DEFAULTS,
  NeuralGpuSession,
  neuralGpuTrainer,
} from '../../src/trainers/neural_gpu/index.js';
import { median } from '../lib/stats.js';
import type { NeuralGpuTiming } from './report.js';

function integer(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${flag}: got ${text}; allowed: an integer >= 1`);
  return value;
}

const { values } = parseArgs({
  options: {
    backend: { type: 'string' },
    steps: { type: 'string', default: '50' },
    out: { type: 'string' },
    maps: { type: 'string', default: '128' },
    layers: { type: 'string', default: '2' },
    length: { type: 'string', default: '20' },
    'batch-size': { type: 'string', default: '32' },
    'budget-s': { type: 'string', default: '240' },
    seed: { type: 'string', default: '1' },
  },
});
const backend = values.backend;
if (backend !== 'webgpu' && backend !== 'wasm') {
  throw new Error(`--backend: got ${String(backend)}; allowed: webgpu, wasm`);
}
const out: string = values.out ?? '';
if (out === '') throw new Error('--out: required');
const steps = integer('steps', values.steps);
const length = integer('length', values.length);
const seed = integer('seed', values.seed);
const budgetMs = integer('budget-s', values['budget-s']) * 1000;

const selection = await selectBackend(backend satisfies BackendPreference);
const config = compileNeuralGpuConfig({
  ...NEURAL_GPU_DEFAULTS,
  task: 'mul',
  maps: integer('maps', values.maps),
  layers: integer('layers', values.layers),
  batchSize: integer('batch-size', values['batch-size']),
  maxTrainLength: length,
  curriculumStart: length,
  testLengths: [length],
});
const streams = runStreams(seed, CURRENT_STREAM_VERSION);
const optimizer = createNoisyOptimizer(
  createInnerOptimizer(neuralGpuTrainer.defaultOptimizer ?? { kind: 'adam', learningRate: 1e-3 }),
  {
    ...neuralGpuTrainer.defaultNoise,
    seed,
    generator: 'philox',
    clip: neuralGpuTrainer.defaultClip ?? {},
  },
);
const session = new NeuralGpuSession(config, { streams, optimizer, backend, dataRoots: ANY_DATA_DIR });
optimizer.keyNoiseByName(session.parameterNames());

const stepMs: number[] = [];
const losses: number[] = [];
const started = performance.now();

/** Written after every step, so a run the script's timeout kills still leaves its steps. */
function write(note?: string): void {
  const result: NeuralGpuTiming = {
    backend: selection.name,
    device: selection.device,
    software: selection.software,
    config: {
      task: config.task,
      maps: config.maps,
      layers: config.layers,
      height: config.height,
      length,
      batchSize: config.batchSize,
      dropoutRate: config.dropoutRate,
      generator: 'philox',
    },
    stepMs,
    msPerStep: stepMs.length > 1 ? median(stepMs.slice(1)) : (stepMs[0] ?? Number.NaN),
    losses,
    ...(note === undefined ? {} : { note }),
  };
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
}

let note: string | undefined;
for (let k = 0; stepMs.length < steps; k += 1) {
  if (sampleTrainLength(session.curriculum, streams.stream(Stream.dataOrder, k)) !== length) continue;
  if (stepMs.length > 0 && performance.now() - started > budgetMs) {
    note = `stopped after ${stepMs.length} of ${steps} steps: the ${budgetMs / 1000} s budget was spent`;
    break;
  }
  const t0 = performance.now();
  const metrics = await session.trainStepAsync(k);
  await optimizer.settle();
  stepMs.push(performance.now() - t0);
  losses.push(Number(metrics.loss));
  console.log(
    `${backend} step ${stepMs.length} (k = ${k}): ${stepMs.at(-1)?.toFixed(0)} ms, loss ${losses.at(-1)}`,
  );
  if (stepMs.length < steps) write(`incomplete: ${stepMs.length} of ${steps} steps so far`);
}
write(note);
session.dispose();
optimizer.dispose();
process.exit(0);
