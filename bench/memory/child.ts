/**
 * One training attempt on this process's main thread, exactly as a worker thread runs it (the real
 * `runJob` loop of `src/runs/worker`), sampling memory as it goes: every `every` steps it forces a
 * garbage collection (so the samples show what is retained, not when the collector last ran) and
 * records `tf.memory().numTensors`, the resident set, the V8 heap and the backend's bytes.
 * Checkpoints and evaluations happen every `every` steps too, so their paths are in the loop.
 *
 * Prints one JSON line: the samples, the process's peak RSS, and how the attempt ended.
 *
 *   node --expose-gc --import tsx bench/memory/child.ts <steps> <every> <depth> <width> [backend: wasm]
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend/index.js';
import { ANY_DATA_DIR } from '../../src/data/index.js';
import { compileRunSpec } from '../../src/runs/index.js';
import { runJob } from '../../src/runs/worker/loop.js';
import type { FromWorker } from '../../src/runs/worker/protocol.js';
import type { ChildReport, Sample } from './report.js';

const MiB = 2 ** 20;
const [steps, every, depth, width] = process.argv.slice(2, 6).map(Number) as [number, number, number, number];
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

const sample = (step: number): Sample => {
  gc();
  const usage = process.memoryUsage();
  return {
    step,
    tensors: tf.memory().numTensors,
    rssMiB: usage.rss / MiB,
    heapMiB: usage.heapUsed / MiB,
    backendMiB: tf.memory().numBytes / MiB,
  };
};

const selection = await selectBackend(process.argv[6] === 'native' ? 'native' : 'wasm');
const rssBeforeMiB = process.memoryUsage().rss / MiB;
const spec = compileRunSpec(
  {
    trainer: 'mlp',
    // A small slice of MNIST keeps the periodic evaluations short.
    trainerConfig: { depth, width, data: { source: 'mnist', trainSize: 2000, testSize: 500 } },
    optimizer: { kind: 'sgd', learningRate: 0.01 },
    noise: { eta: 0.01, gamma: 0.55 },
    seed: 7,
    maxSteps: steps,
    evalEvery: every,
    checkpointEvery: every,
  },
  ANY_DATA_DIR,
);
const samples: Sample[] = [sample(0)];
let next = every;
let finished: Extract<FromWorker, { type: 'finished' }> | null = null;
const started = performance.now();
await runJob(
  { runId: 'bench-memory', attempt: 1, spec, control: new SharedArrayBuffer(4), checkpoint: null },
  { backend: selection.name, flushIntervalMs: 50, flushPoints: 500, dataRoots: ANY_DATA_DIR },
  (message) => {
    // Metric batches are posted between steps, so this samples at the first batch after each mark.
    if (message.type === 'metrics' && message.step >= next && message.step < steps) {
      samples.push(sample(message.step));
      next += every;
    }
    if (message.type === 'finished') finished = message;
  },
);
const seconds = (performance.now() - started) / 1000;
samples.push(sample(steps));
const end = finished as Extract<FromWorker, { type: 'finished' }> | null;
const report: ChildReport = {
  backend: selection.name,
  seconds,
  rssBeforeMiB,
  peakRssMiB: process.resourceUsage().maxRSS / 1024,
  samples,
  outcome: end?.outcome ?? null,
  leakedTensors: end?.leakedTensors ?? null,
};
process.stdout.write(`${JSON.stringify(report)}\n`);
process.exit(0);
