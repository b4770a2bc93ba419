/**
 * The tfjs side of the MemN2N speed benchmark (issue 17, "Speed"), a long-lived child process (see
 * `bench/lib/line-child.ts`). It trains the real `memn2n` trainer (paper §4.2; Sukhbaatar et al.
 * 2015) on the wasm backend, one thread, on the one-stage run of `memn2nBenchRequest`, compiled by
 * the service's own `compileRunSpec`.
 *
 * Protocol: prints `{"ready":true,"backend","stepsPerEpoch","maxSteps","evalEvery","checkpointEvery"}`;
 * then answers one line per request:
 * - `{"cmd":"run","steps":n}`: the next n steps, each what the worker loop (`src/runs/worker/loop.ts`)
 *   does per step: set the scheduled learning rate, `trainStep`, read the metrics (downloading the
 *   loss) and the optimizer's gradient norm and noise σ. Answers `{"wallMs","cpuMs","loss","step"}`.
 * - `{"cmd":"eval"}`: one evaluation as the loop runs it (`session.evaluate`: train, validation and
 *   test splits scored). Answers `{"wallMs","cpuMs","trainError","testError"}`.
 * - `{"cmd":"job","steps":n}`: a fresh attempt of the same spec cut to n steps through the real
 *   worker loop (`runJob`): data generation, session set-up, evaluations and checkpoints at the
 *   spec's cadences, and the end. Answers `{"wallMs","cpuMs","status","evaluations","checkpoints","trainError"}`.
 * - `{"cmd":"quit"}` ends.
 *
 *   tsx bench/memn2n/tfjs-child.ts <task> <seed>
 */
import { createInterface } from 'node:readline';
import { selectBackend } from '../../src/backend/index.js';
import { type RunSpec, runStreams } from '../../src/core/index.js';
import { ANY_DATA_DIR } from '../../src/data/index.js';
import { createInnerOptimizer, createNoisyOptimizer } from '../../src/optim/index.js';
import { compileRunSpec } from '../../src/runs/compile-spec.js';
import { compileRunSchedulerOptions } from '../../src/runs/index.js';
import { LearningRateDriver } from '../../src/runs/worker/learning-rate.js';
import { runJob } from '../../src/runs/worker/loop.js';
import type { FromWorker } from '../../src/runs/worker/protocol.js';
import { readMetrics } from '../../src/runs/worker/state.js';
import { builtinTrainers } from '../../src/trainers/index.js';
import { memn2nBenchRequest } from './task.js';

const say = (message: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(message)}\n`);
};

/** Wall and CPU milliseconds of `work`. */
async function timed<T>(work: () => Promise<T> | T): Promise<{ value: T; wallMs: number; cpuMs: number }> {
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const value = await work();
  const wallMs = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  return { value, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** The session and optimizer as `runJob` builds them, and the loop's per-step work. */
async function createTrainer(spec: RunSpec) {
  const trainer = builtinTrainers.get(spec.trainer);
  const optimizer = createNoisyOptimizer(createInnerOptimizer(spec.optimizer), {
    ...spec.noise,
    seed: spec.seed,
    clip: spec.clip,
    overwriteGradients: true,
  });
  const session = await trainer.create(spec.trainerConfig, {
    streams: runStreams(spec.seed, spec.streamVersion),
    optimizer,
    backend: 'wasm',
    dataRoots: ANY_DATA_DIR,
  });
  optimizer.keyNoiseByName(session.parameterNames());
  const learningRate = new LearningRateDriver(spec.lrSchedule, spec.optimizer.learningRate, optimizer);
  let step = 0;
  return {
    get step() {
      return step;
    },
    async run(steps: number): Promise<{ loss: number; gradNorm: number; noiseStd: number }> {
      let loss = Number.NaN;
      let gradNorm = Number.NaN;
      let noiseStd = Number.NaN;
      for (let i = 0; i < steps; i += 1) {
        learningRate.beforeStep(step);
        loss = (await readMetrics(session.trainStep(step))).get('loss') ?? Number.NaN;
        // The loop reads these into every step's points.
        ({ gradGlobalNorm: gradNorm, noiseStd } = optimizer.lastStats);
        step += 1;
      }
      return { loss, gradNorm, noiseStd };
    },
    evaluate: () => session.evaluate(step),
  };
}

/** A fresh attempt of `spec` cut to `steps` through the real worker loop, its messages counted. */
async function job(spec: RunSpec, steps: number) {
  // The service's defaults for how often a worker posts its points.
  const flush = compileRunSchedulerOptions({ owner: 'bench' });
  let evaluations = 0;
  let checkpoints = 0;
  let trainError = Number.NaN;
  const post = (message: FromWorker): void => {
    if (message.type === 'checkpoint') checkpoints += 1;
    if (message.type !== 'metrics') return;
    for (const point of message.points) {
      if (point.name !== 'train_error') continue;
      evaluations += 1;
      trainError = point.value;
    }
  };
  const { value: outcome, ...time } = await timed(() =>
    runJob(
      {
        runId: 'bench',
        attempt: 1,
        spec: { ...spec, maxSteps: steps },
        control: new SharedArrayBuffer(4),
        checkpoint: null,
      },
      {
        backend: 'wasm',
        flushIntervalMs: flush.workerFlushMs,
        flushPoints: flush.workerFlushPoints,
        dataRoots: ANY_DATA_DIR,
      },
      post,
    ),
  );
  return { ...time, status: outcome.status, evaluations, checkpoints, trainError };
}

async function main(): Promise<void> {
  const task = Number(process.argv[2] ?? '1');
  const seed = Number(process.argv[3] ?? '1');
  let spec: RunSpec;
  let trainer: Awaited<ReturnType<typeof createTrainer>>;
  let stepsPerEpoch: number;
  try {
    const backend = await selectBackend('wasm');
    if (backend.name !== 'wasm') throw new Error(`the wasm backend did not load (got ${backend.name})`);
    spec = compileRunSpec(memn2nBenchRequest(task, seed), ANY_DATA_DIR, builtinTrainers);
    stepsPerEpoch = await builtinTrainers.get('memn2n').stepsPerEpoch(spec.trainerConfig, ANY_DATA_DIR);
    trainer = await createTrainer(spec);
  } catch (error) {
    say({ ready: false, error: error instanceof Error ? error.message : String(error) });
    return;
  }
  const { maxSteps, evalEvery, checkpointEvery } = spec;
  say({ ready: true, backend: 'wasm', stepsPerEpoch, maxSteps, evalEvery, checkpointEvery });
  for await (const line of createInterface({ input: process.stdin })) {
    const message = JSON.parse(line) as { cmd: string; steps?: unknown };
    const steps = message.steps;
    if (message.cmd === 'quit') break;
    if (message.cmd === 'eval') {
      const { value, ...time } = await timed(() => trainer.evaluate());
      say({ ...time, trainError: value.train_error, testError: value.test_error });
    } else if ((message.cmd === 'run' || message.cmd === 'job') && Number.isInteger(steps)) {
      if (message.cmd === 'job') say(await job(spec, steps as number));
      else {
        const { value, ...time } = await timed(() => trainer.run(steps as number));
        say({ ...time, ...value, step: trainer.step });
      }
    } else say({ error: `bad request ${line}; commands: run, eval, job, quit` });
  }
  process.exit(0);
}

await main();
