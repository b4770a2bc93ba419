import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BlasResolution, blasOfProcess, formatBlas, refusedRatio } from '../lib/blas.js';
import { LineChild, startTorchChild } from '../lib/line-child.js';
import { fixed, goalRow, infoRow, type Row, type SectionOutcome } from '../lib/report.js';
import { describeRatios, median, pairedRatios } from '../lib/stats.js';
import { FULL_EPOCHS, writeGeneratedTask } from '../memn2n/task.js';

/**
 * The MemN2N speed goal of issue 17: one generated 1k task's full one-stage schedule (100 epochs,
 * d = 20, paper §4.2 with Sukhbaatar et al. 2015's settings) trains in under 2 minutes on one core,
 * measured beside a PyTorch reference of the same model (`bench/memn2n/torch_child.py`, one thread)
 * that trains on the TS encoding of the same questions.
 *
 * Both arms train their model epoch by epoch in interleaved blocks (one epoch of 29 steps per
 * block, the arm order alternating by round), so drift on the machine hits both alike; the first
 * epoch is the warm-up. Each arm is evaluated (train, validation and test splits) at the run's
 * default cadence, `evalEvery` (about 20 times a run), and those evaluations are timed too. The
 * projected full schedule is the median epoch time × 100 plus the evaluations of a full run. The
 * tfjs arm is the real trainer with the optimizer and learning-rate schedule as the worker loop
 * builds them, stepping as the loop does (metrics read every step); after the rounds a fresh
 * attempt runs through the real worker loop (`runJob`: set-up, evaluations, checkpoints) for
 * `jobEpochs`, which is the whole schedule unless `--quick`.
 *
 * The ratio tfjs / PyTorch is reported only when PyTorch resolved an optimised BLAS (`lib/blas.ts`).
 */
export interface MemN2NSectionOptions {
  readonly quick: boolean;
  /** Include the PyTorch arm (skipped with a note when PyTorch is not importable). */
  readonly torch: boolean;
  /** Generated bAbI-style task number (`--memn2n-task`). */
  readonly task: number;
}

/** The goal: a full schedule in at most this many seconds on one core. */
const GOAL_SECONDS = 120;
const SEED = 1;
/** Memory size of the trainer's default config, for the export. */
const MEMORY_SIZE = 50;

interface Arm {
  readonly label: string;
  readonly child: LineChild;
  readonly msPerStep: number[];
  readonly cpuMsPerStep: number[];
  readonly evalMs: number[];
  trainError: number;
  testError: number;
}

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

function newArm(label: string, child: LineChild): Arm {
  return { label, child, msPerStep: [], cpuMsPerStep: [], evalMs: [], trainError: 0, testError: 0 };
}

/** One epoch of `arm`, then its evaluation when the run's cadence has one due at that step. */
async function epoch(arm: Arm, steps: number, evalEvery: number, record: boolean): Promise<void> {
  const reply = await arm.child.request({ cmd: 'run', steps });
  if (record) {
    arm.msPerStep.push(Number(reply.wallMs) / steps);
    arm.cpuMsPerStep.push(Number(reply.cpuMs) / steps);
  }
  const step = Number(reply.step);
  if (Math.floor(step / evalEvery) === Math.floor((step - steps) / evalEvery)) return;
  const evaluation = await arm.child.request({ cmd: 'eval' });
  arm.evalMs.push(Number(evaluation.wallMs));
  arm.trainError = Number(evaluation.trainError);
  arm.testError = Number(evaluation.testError);
}

export async function memn2nSection(options: MemN2NSectionOptions): Promise<SectionOutcome> {
  const epochs = options.quick ? 10 : FULL_EPOCHS;
  const jobEpochs = options.quick ? 5 : FULL_EPOCHS;
  const dir = await mkdtemp(join(tmpdir(), 'gradnoise-bench-memn2n-'));
  const children: LineChild[] = [];
  const skipped: string[] = [];
  try {
    const taskFile = join(dir, `task${options.task}.json`);
    await writeGeneratedTask(taskFile, options.task, MEMORY_SIZE);
    const args = [String(options.task), String(SEED)];
    const tfjsStart = LineChild.start(process.execPath, [
      '--import',
      'tsx',
      here('../memn2n/tfjs-child.ts'),
      ...args,
    ]);
    const torchStart = options.torch
      ? startTorchChild(here('../memn2n/torch_child.py'), [taskFile, String(SEED)])
      : null;
    const [tfjs, torch] = await Promise.allSettled([tfjsStart, torchStart ?? Promise.resolve(null)]);
    if (tfjs.status === 'rejected') throw tfjs.reason;
    children.push(tfjs.value.child);
    const spec = tfjs.value.ready;
    const stepsPerEpoch = Number(spec.stepsPerEpoch);
    const evalEvery = Number(spec.evalEvery);
    const arms = [newArm('tfjs wasm', tfjs.value.child)];
    let blas: BlasResolution | null = null;
    if (torch.status === 'rejected') {
      const reason: unknown = torch.reason;
      skipped.push(`PyTorch: ${reason instanceof Error ? reason.message : String(reason)}`);
    } else if (torch.value !== null) {
      const { child, ready } = torch.value;
      children.push(child);
      if (Number(ready.stepsPerEpoch) !== stepsPerEpoch)
        throw new Error(`PyTorch has ${String(ready.stepsPerEpoch)} steps per epoch, tfjs ${stepsPerEpoch}`);
      blas = await blasOfProcess(child.pid ?? -1, typeof ready.blasInfo === 'string' ? ready.blasInfo : null);
      console.log(
        `PyTorch ${String(ready.torch)}, ${String(ready.threads)} thread(s), BLAS ${formatBlas(blas)}`,
      );
      arms.push(newArm('PyTorch', child));
    }
    for (const arm of arms) await epoch(arm, stepsPerEpoch, evalEvery, false);
    for (let round = 1; round < epochs; round += 1) {
      const order = round % 2 === 0 ? arms : [...arms].reverse();
      for (const arm of order) await epoch(arm, stepsPerEpoch, evalEvery, true);
    }
    const job = await tfjs.value.child.request({ cmd: 'job', steps: jobEpochs * stepsPerEpoch });
    return summarize({ arms, blas, skipped, epochs, jobEpochs, job, spec, task: options.task });
  } finally {
    await Promise.all(children.map((c) => c.close()));
    await rm(dir, { recursive: true, force: true });
  }
}

function summarize(r: {
  readonly arms: readonly Arm[];
  readonly blas: BlasResolution | null;
  readonly skipped: readonly string[];
  readonly epochs: number;
  readonly jobEpochs: number;
  readonly job: Record<string, unknown>;
  readonly spec: Record<string, unknown>;
  readonly task: number;
}): SectionOutcome {
  const maxSteps = Number(r.spec.maxSteps);
  const evaluations = Math.ceil(maxSteps / Number(r.spec.evalEvery));
  const rows: Row[] = r.skipped.map((reason) => infoRow('PyTorch', 'skipped', reason));
  if (r.blas !== null) rows.push(infoRow('PyTorch BLAS', formatBlas(r.blas)));
  const projected = (a: Arm): number =>
    (median(a.msPerStep) * maxSteps + median(a.evalMs) * evaluations) / 1000;
  for (const a of r.arms) {
    rows.push(
      infoRow(
        `${a.label}: ms/step`,
        `${fixed(median(a.msPerStep))} ms; CPU ${fixed(median(a.cpuMsPerStep))} ms`,
        `median of ${a.msPerStep.length} epochs (after a warm-up epoch) of task ${r.task}`,
      ),
      infoRow(
        `${a.label}: ms per evaluation`,
        `${fixed(median(a.evalMs), 0)} ms`,
        'train, validation and test splits',
      ),
      infoRow(
        `${a.label}: after ${r.epochs} epochs`,
        `train error ${fixed(a.trainError * 100, 1)} %, test error ${fixed(a.testError * 100, 1)} %`,
        'the same model learning on the same questions',
      ),
    );
  }
  const [tfjs, torch] = r.arms;
  if (tfjs !== undefined) {
    const seconds = projected(tfjs);
    rows.push(
      goalRow(
        `full schedule (${FULL_EPOCHS} epochs, ${maxSteps} steps, ${evaluations} evaluations), tfjs wasm`,
        `${fixed(seconds, 1)} s projected`,
        `≤ ${GOAL_SECONDS} s`,
        seconds <= GOAL_SECONDS,
      ),
    );
    const jobSeconds = Number(r.job.wallMs) / 1000;
    const full = r.jobEpochs === FULL_EPOCHS;
    const jobValue = `${fixed(jobSeconds, 1)} s for ${r.jobEpochs} epochs${full ? '' : ` (${fixed((jobSeconds * FULL_EPOCHS) / r.jobEpochs, 1)} s scaled to ${FULL_EPOCHS})`}`;
    const jobNote = `${String(r.job.status)}, ${String(r.job.evaluations)} evaluations, ${String(r.job.checkpoints)} checkpoints, set-up included; final train error ${fixed(Number(r.job.trainError) * 100, 1)} %`;
    const jobName = 'tfjs wasm through the worker loop (runJob)';
    rows.push(
      full
        ? goalRow(jobName, jobValue, `≤ ${GOAL_SECONDS} s`, jobSeconds <= GOAL_SECONDS, jobNote)
        : infoRow(jobName, jobValue, jobNote),
    );
  }
  let ratios: { wall: number[]; cpu: number[] } | null = null;
  if (tfjs !== undefined && torch !== undefined && r.blas !== null) {
    rows.push(
      infoRow(
        'full schedule, PyTorch',
        `${fixed(projected(torch), 1)} s projected`,
        `BLAS ${formatBlas(r.blas)}`,
      ),
    );
    if (r.blas.optimised) {
      ratios = {
        wall: pairedRatios(tfjs.msPerStep, torch.msPerStep),
        cpu: pairedRatios(tfjs.cpuMsPerStep, torch.cpuMsPerStep),
      };
      rows.push(
        infoRow(
          'tfjs wasm / PyTorch, ms per step',
          `${describeRatios(ratios.wall)}; CPU ${describeRatios(ratios.cpu)}`,
          `paired by epoch; PyTorch on ${r.blas.kind}`,
        ),
      );
    } else rows.push(infoRow('tfjs wasm / PyTorch, ms per step', 'refused', refusedRatio(r.blas)));
  }
  const data = {
    task: r.task,
    epochs: r.epochs,
    maxSteps,
    evaluations,
    blas: r.blas,
    arms: r.arms.map((a) => ({
      label: a.label,
      msPerStep: a.msPerStep,
      cpuMsPerStep: a.cpuMsPerStep,
      evalMs: a.evalMs,
      projectedSeconds: projected(a),
      trainError: a.trainError,
      testError: a.testError,
    })),
    ratios,
    job: r.job,
    skipped: r.skipped,
  };
  return { rows, data, ...(r.skipped.length > 0 ? { skipped: r.skipped.join('; ') } : {}) };
}
