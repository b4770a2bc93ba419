/**
 * Where the time of one NRAM training step goes, on tfjs wasm (one thread): the real step
 * (`NramSession.trainStep` of the arms in `bench/nram/arms.ts`) with the methods that bound each
 * phase wrapped to charge the elapsed time to it (`bench/nram/phases.ts` lists the phases). The
 * wasm backend runs each kernel synchronously when the op is called, so the wall time between two
 * method boundaries is the time of the work between them, with no fence needed.
 *
 * 1. Phase times: rounds of one block of `steps` steps per arm, in an order rotated round by round;
 *    per block, each phase's ms per step.
 * 2. Kernel profile: `profiled` steps of each config's noisy arm with every kernel call timed
 *    (the engine's `runKernelFunc` wrapped). A kernel's time is its self time: tfjs runs kernels
 *    inside kernels (the tape's copy of a saved tensor, a custom gradient's forward around its
 *    ops), which `tf.profile` would count twice. Each is charged to the phase it ran in and summed
 *    by name. The hook costs a little per kernel, so only part 1's phase times are the step's;
 *    part 2 says which kernels, and how much of a phase is kernel time rather than op dispatch,
 *    tape bookkeeping and JavaScript.
 *
 * Prints one JSON line.
 *
 *   tsx bench/nram/phases-child.ts <rounds> <steps per block> <profiled steps>
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend/index.js';
import { readMetrics } from '../../src/runs/worker/state.js';
import { Controller, NramMachine, NramSession } from '../../src/trainers/nram/index.js';
import { createNramArm, NRAM_BENCH_CONFIGS, NRAM_BENCH_ETAS, type NramArm } from './arms.js';
import {
  type KernelTime,
  kernelsByPhase,
  NRAM_PHASES,
  type NramPhase,
  PhaseRecorder,
  type PhaseTimes,
  topKernels,
} from './phases.js';

const [rounds, steps, profiled] = [2, 3, 4].map((i) => Number(process.argv[i] ?? 2)) as [
  number,
  number,
  number,
];

const recorder = new PhaseRecorder(() => performance.now());

/**
 * Replaces `target[key]` by a call that runs in phase `enter` and then switches to `after`
 * (default: back to the phase it interrupted).
 */
function timePhase(target: object, key: string, enter: NramPhase, after?: NramPhase | null): void {
  const holder = target as Record<string, unknown>;
  const original = holder[key];
  if (typeof original !== 'function') throw new Error(`nothing to time: ${key} is not a method`);
  const call = original as (...args: unknown[]) => unknown;
  holder[key] = function (this: unknown, ...args: unknown[]): unknown {
    const previous = recorder.switchTo(enter);
    try {
      return call.apply(this, args);
    } finally {
      recorder.switchTo(after === undefined ? previous : after);
    }
  };
}

// The step's boundaries (see `src/trainers/nram/session.ts`): the batch is drawn until the unroll
// starts; the unroll's controller calls are the controller's; the answer and loss follow the
// unroll; the tape's backward runs from the loss's return until the optimizer is called; the
// NoisyOptimizer's work is its own until it calls the inner optimizer (both wrapped per arm).
timePhase(NramSession.prototype, 'trainStep', 'data', 'host');
timePhase(NramMachine.prototype, 'run', 'machine', 'loss');
timePhase(NramMachine, 'loss', 'loss', 'backward');
for (const method of ['initialState', 'projectOutput', 'step'])
  timePhase(Controller.prototype, method, 'controller');

function instrumentOptimizer(arm: NramArm): void {
  timePhase(arm.optimizer, 'applyGradients', 'clipNoise', 'host');
  timePhase(arm.optimizer.inner, 'applyGradients', 'apply');
}

/** What `Engine.runKernelFunc` is given: a registered kernel's name, or a custom gradient's forward. */
interface KernelParams {
  readonly kernelName?: string;
  readonly inputs?: Readonly<Record<string, { readonly shape: readonly number[] } | null>>;
}

/**
 * Times every kernel call from now until the returned function is called (which removes the hook
 * and returns the calls): self time, charged to the recorder's current phase.
 */
function recordKernels(): () => KernelTime[] {
  const engine = tf.engine() as unknown as Record<string, unknown>;
  const original = engine.runKernelFunc as (this: unknown, params: KernelParams) => unknown;
  const calls: KernelTime[] = [];
  const inner: number[] = [];
  engine.runKernelFunc = function (this: unknown, params: KernelParams): unknown {
    const start = performance.now();
    inner.push(0);
    try {
      return original.call(this, params);
    } finally {
      const total = performance.now() - start;
      const nested = inner.pop() ?? 0;
      if (inner.length > 0) inner[inner.length - 1] = (inner.at(-1) ?? 0) + total;
      calls.push({
        name: params.kernelName ?? '(custom gradient)',
        shapes: Object.values(params.inputs ?? {})
          .map((t) => `[${t === null ? '' : t.shape.join(',')}]`)
          .join(' '),
        ms: total - nested,
        phase: recorder.current,
      });
    }
  };
  return () => {
    engine.runKernelFunc = original;
    return calls;
  };
}

/** One step as the worker loop runs it, the metrics' read-back charged to `host`. */
function step(arm: NramArm): void {
  const metrics = arm.session.trainStep(arm.step);
  recorder.switchTo('host');
  readMetrics(metrics);
  recorder.switchTo(null);
  arm.step += 1;
}

function perStep(times: PhaseTimes, n: number): PhaseTimes {
  return Object.fromEntries(NRAM_PHASES.map((p) => [p, times[p] / n])) as PhaseTimes;
}

async function main(): Promise<void> {
  const selection = await selectBackend('wasm');
  if (selection.name !== 'wasm') throw new Error(`wanted the wasm backend, got ${selection.name}`);
  const arms: Array<{ name: string; config: string; eta: number; arm: NramArm; blocks: PhaseTimes[] }> = [];
  for (const [config, c] of Object.entries(NRAM_BENCH_CONFIGS)) {
    for (const [noise, eta] of Object.entries(NRAM_BENCH_ETAS)) {
      const arm = await createNramArm(c, eta, selection.name);
      instrumentOptimizer(arm);
      arms.push({ name: `${config} ${noise}`, config, eta, arm, blocks: [] });
    }
  }
  for (const a of arms) for (let i = 0; i < 3; i += 1) step(a.arm); // warm-up: kernels, caches
  for (let r = 0; r < rounds; r += 1) {
    for (let k = 0; k < arms.length; k += 1) {
      const a = arms[(r + k) % arms.length] as (typeof arms)[number];
      recorder.reset();
      for (let i = 0; i < steps; i += 1) step(a.arm);
      a.blocks.push(perStep(recorder.times, steps));
    }
  }
  const profiles: Record<string, unknown> = {};
  for (const a of arms.filter((x) => x.eta > 0)) {
    recorder.reset();
    const stop = recordKernels();
    for (let i = 0; i < profiled; i += 1) step(a.arm);
    const kernels = stop();
    const split = kernelsByPhase(kernels);
    const per = (k: { ms: number; count: number; share: number; name: string }) => ({
      ...k,
      ms: k.ms / profiled,
      count: k.count / profiled,
    });
    profiles[a.config] = {
      arm: a.name,
      steps: profiled,
      wall: perStep(recorder.times, profiled),
      kernelMs: Object.fromEntries(NRAM_PHASES.map((p) => [p, split[p].ms / profiled])),
      kernels: Object.fromEntries(NRAM_PHASES.map((p) => [p, split[p].kernels / profiled])),
      top: topKernels(kernels, 10).map(per),
      topByShape: topKernels(kernels, 10, true).map(per),
    };
  }
  const report = {
    backend: tf.getBackend(),
    rounds,
    steps,
    arms: arms.map(({ name, config, eta, blocks }) => ({ name, config, eta, blocks })),
    profiles,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
  process.exit(0);
}

await main();
