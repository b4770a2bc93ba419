/**
 * JavaScript allocation of one training step: the paper's 20 × 50 mlp as the worker runs it
 * (`trainStep`, then `readMetrics`), noisy SGD with the gradients overwritten in place, on wasm.
 * After a warm-up, V8's sampling heap profiler (objects collected by GCs included) records `steps`
 * steps; it prints the bytes allocated per step, by allocating function and by the project's
 * frames that include them. What the young-generation GC has to sweep, and what its helper threads
 * spend CPU on (docs/benchmarks.md, sweep scaling).
 *
 *     npm run bench:alloc -- [--steps 200] [--eta 0.01]
 */
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import { selectBackend } from '../src/backend/index.js';
import { CURRENT_STREAM_VERSION, runStreams } from '../src/core/index.js';
import { ANY_DATA_DIR } from '../src/data/index.js';
import { createInnerOptimizer, createNoisyOptimizer } from '../src/optim/index.js';
import { readMetrics } from '../src/runs/worker/state.js';
import { mlpTrainer } from '../src/trainers/mlp/index.js';

interface ProfileNode {
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly selfSize: number;
  readonly children: readonly ProfileNode[];
}

const { values } = parseArgs({
  options: { steps: { type: 'string', default: '200' }, eta: { type: 'string', default: '0.01' } },
});
const steps = Number(values.steps);
const eta = Number(values.eta);
if (!Number.isInteger(steps) || steps < 1)
  throw new Error(`--steps: got ${values.steps}; allowed: an integer >= 1`);
if (!Number.isFinite(eta) || eta < 0) throw new Error(`--eta: got ${values.eta}; allowed: a number >= 0`);

const backend = await selectBackend('wasm');
const config = mlpTrainer.compile({ ...mlpTrainer.defaults });
const optimizer = createNoisyOptimizer(createInnerOptimizer({ kind: 'sgd', learningRate: 0.01 }), {
  eta,
  gamma: 0.55,
  seed: 1,
  overwriteGradients: true,
});
const session = await mlpTrainer.create(config, {
  streams: runStreams(1, CURRENT_STREAM_VERSION),
  optimizer,
  backend: backend.name,
  dataRoots: ANY_DATA_DIR,
});
// Warm-up: the JIT settles (an unoptimised hot loop boxes its numbers and allocates per element).
for (let s = 0; s < 100; s += 1) readMetrics(session.trainStep(s));

const inspector = new Session();
inspector.connect();
await inspector.post('HeapProfiler.startSampling', {
  samplingInterval: 4096,
  includeObjectsCollectedByMinorGC: true,
  includeObjectsCollectedByMajorGC: true,
});
for (let s = 100; s < 100 + steps; s += 1) readMetrics(session.trainStep(s));
const { profile } = (await inspector.post('HeapProfiler.stopSampling')) as { profile: { head: ProfileNode } };
inspector.disconnect();

const where = (node: ProfileNode): string => {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url
    .replace(/^.*\/node_modules\//, '')
    .replace(/^.*?\/(src|bench)\//, '$1/')
    .replace(/\?.*$/, '');
  return `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
};
const self = new Map<string, number>();
const inclusive = new Map<string, number>();
const walk = (node: ProfileNode, path: ReadonlySet<string>): number => {
  const key = where(node);
  self.set(key, (self.get(key) ?? 0) + node.selfSize);
  const below = new Set(path).add(key);
  const total = node.children.reduce((sum, child) => sum + walk(child, below), node.selfSize);
  if (!path.has(key)) inclusive.set(key, (inclusive.get(key) ?? 0) + total);
  return total;
};
const total = walk(profile.head, new Set());
const kib = (bytes: number) => `${(bytes / steps / 1024).toFixed(1).padStart(8)} KiB`;
console.log(
  `backend ${backend.name}, mlp 20 × 50, batch 100, eta ${eta}: ${steps} steps after 100 of warm-up`,
);
console.log(`JavaScript allocated per step (sampled): ${kib(total).trim()}`);
console.log('\nby allocating function:');
for (const [key, bytes] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 12))
  console.log(`${kib(bytes)}  ${key}`);
console.log('\nby project frame (inclusive):');
for (const [key, bytes] of [...inclusive]
  .filter(([key]) => key.includes(' src/'))
  .sort((a, b) => b[1] - a[1])
  .slice(0, 10))
  console.log(`${kib(bytes)}  ${key}`);
