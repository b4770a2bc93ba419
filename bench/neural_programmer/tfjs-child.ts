/**
 * The tfjs side of the Neural Programmer speed benchmark (issue 19, "Speed"; paper §4.3), a
 * long-lived child process (see `bench/lib/line-child.ts`). It trains the real `neural_programmer`
 * session on the wasm backend, one thread, with the optimizer the worker loop builds from the
 * compiled run spec (Adam, clip by global norm, then noise), and writes the export the PyTorch
 * reference trains on (`task.ts`).
 *
 * Arms of the speed run (the trainer's default config): `plain` (η = 0) and `noisy` (the trainer's
 * η = 1.0, γ = 0.55), both from the same seed, so from the same initial weights. Step k trains on
 * `batchAt(k mod SPEED_BATCHES)`, the batches the export holds, and reads the loss as the worker
 * loop does.
 *
 * Protocol: writes `<dir>/speed.json` and `<dir>/learn.json`, then prints
 * `{"ready":true,"backend","arms","speed","learn"}` (the two paths); then one line per request:
 * - `{"cmd":"run","arm":a,"steps":n}`: the next n steps of arm a; answers
 *   `{"wallMs","cpuMs","loss","firstLoss","step"}` (`firstLoss`: the block's first step's loss,
 *   computed before its update).
 * - `{"cmd":"learn","steps":n}`: n steps of the learn run (noisy), then the hard program's accuracy
 *   on its test split; answers `{"wallMs","loss","accuracy"}`.
 * - `{"cmd":"quit"}` ends.
 *
 *   tsx bench/neural_programmer/tfjs-child.ts <dir> <seed>
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { selectBackend } from '../../src/backend/index.js';
import { type RunSpec, runStreams } from '../../src/core/index.js';
import { ANY_DATA_DIR } from '../../src/data/index.js';
import { createInnerOptimizer, createNoisyOptimizer, type NoisyOptimizer } from '../../src/optim/index.js';
import { compileRunSpec } from '../../src/runs/compile-spec.js';
import { readMetrics } from '../../src/runs/worker/state.js';
import { builtinTrainers } from '../../src/trainers/index.js';
import {
  type NeuralProgrammerConfig,
  NeuralProgrammerSession,
} from '../../src/trainers/neural_programmer/index.js';
import { exportRun, npLearnRequest, npSpeedRequest, SPEED_BATCHES } from './task.js';

interface Arm {
  readonly session: NeuralProgrammerSession;
  readonly optimizer: NoisyOptimizer;
  /** Distinct batches it cycles through. */
  readonly batches: number;
  step: number;
}

const say = (message: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(message)}\n`);
};

/** A session of `spec` with the noisy optimizer as the worker loop builds it, η replaced by `eta`. */
function createArm(spec: RunSpec, eta: number, batches: number): Arm {
  const optimizer = createNoisyOptimizer(createInnerOptimizer(spec.optimizer), {
    ...spec.noise,
    eta,
    seed: spec.seed,
    clip: spec.clip,
    overwriteGradients: true,
  });
  const session = new NeuralProgrammerSession(spec.trainerConfig as unknown as NeuralProgrammerConfig, {
    streams: runStreams(spec.seed, spec.streamVersion),
    optimizer,
    backend: 'wasm',
    dataRoots: ANY_DATA_DIR,
  });
  optimizer.keyNoiseByName(session.parameterNames());
  return { session, optimizer, batches, step: 0 };
}

async function run(arm: Arm, steps: number) {
  const losses: number[] = [];
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < steps; i += 1) {
    losses.push((await readMetrics(arm.session.trainStep(arm.step % arm.batches))).get('loss') ?? Number.NaN);
    arm.step += 1;
  }
  const wallMs = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000, loss: losses.at(-1), firstLoss: losses[0] };
}

async function main(): Promise<void> {
  const dir = process.argv[2] ?? '.';
  const seed = Number(process.argv[3] ?? '1');
  const arms = new Map<string, Arm>();
  let learn: Arm;
  const paths = { speed: join(dir, 'speed.json'), learn: join(dir, 'learn.json') };
  try {
    const backend = await selectBackend('wasm');
    if (backend.name !== 'wasm') throw new Error(`the wasm backend did not load (got ${backend.name})`);
    const speed = compileRunSpec(npSpeedRequest(seed), ANY_DATA_DIR, builtinTrainers);
    arms.set('plain', createArm(speed, 0, SPEED_BATCHES));
    arms.set('noisy', createArm(speed, speed.noise.eta, SPEED_BATCHES));
    const plain = arms.get('plain') as Arm;
    const exported = exportRun(plain.session, speed, { batches: SPEED_BATCHES, withWeights: true });
    await writeFile(paths.speed, JSON.stringify({ ...exported, test: [] }));
    const learnSpec = compileRunSpec(npLearnRequest(seed), ANY_DATA_DIR, builtinTrainers);
    const learnConfig = learnSpec.trainerConfig as unknown as NeuralProgrammerConfig;
    // One epoch of batches: step k trains on batch k mod perEpoch, every question once per cycle.
    const perEpoch = Math.ceil(learnConfig.datasetSize / learnConfig.batchSize);
    learn = createArm(learnSpec, learnSpec.noise.eta, perEpoch);
    const learnExport = exportRun(learn.session, learnSpec, { batches: perEpoch, withWeights: false });
    await writeFile(paths.learn, JSON.stringify(learnExport));
    say({ ready: true, backend: backend.name, arms: [...arms.keys()], ...paths });
  } catch (error) {
    say({ ready: false, error: error instanceof Error ? error.message : String(error) });
    return;
  }
  for await (const line of createInterface({ input: process.stdin })) {
    const message = JSON.parse(line) as { cmd: string; arm?: string; steps?: unknown };
    const { steps } = message;
    if (message.cmd === 'quit') break;
    const arm = arms.get(message.arm ?? '');
    if (message.cmd === 'run' && arm !== undefined && Number.isInteger(steps)) {
      say({ ...(await run(arm, steps as number)), step: arm.step });
    } else if (message.cmd === 'learn' && Number.isInteger(steps)) {
      const { wallMs, loss } = await run(learn, steps as number);
      say({ wallMs, loss, accuracy: learn.session.accuracy(learn.session.splits.test, 'hard') });
    } else say({ error: `bad request ${line}; commands: run (arms ${[...arms.keys()]}), learn, quit` });
  }
  for (const a of [...arms.values(), learn]) {
    a.session.dispose();
    a.optimizer.dispose();
  }
  process.exit(0);
}

await main();
