import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BlasResolution, blasOfProcess, formatBlas, refusedRatio } from '../lib/blas.js';
import { LineChild, startTorchChild } from '../lib/line-child.js';
import { fixed, infoRow, type Row, type SectionOutcome } from '../lib/report.js';
import { describeRatios, median, pairedRatios } from '../lib/stats.js';
import { NP_BENCH_SEED } from '../neural_programmer/task.js';

/**
 * The Neural Programmer training step of issue 19 ("Speed"; paper §4.3) on tfjs wasm beside a
 * PyTorch reference of the same model (`bench/neural_programmer/torch_child.py`), one thread each,
 * at the trainer's default config (five columns, 30 rows, full templates, hidden 64, T = 4, batch
 * 20; Adam, clip to global norm 1, then noise η = 1.0 in the noisy arms).
 *
 * The tfjs child builds the real session and exports its first batches and initial weights
 * (`bench/neural_programmer/task.ts`); the PyTorch child trains on that export from those weights,
 * so the arms' first losses must agree (a row shows them) and the plain arms' losses stay close.
 * After a warm-up block per arm, rounds run one block of every arm in an order rotated by round, and
 * tfjs / PyTorch is the median of the per-round ratios. A tfjs step includes what the worker's step
 * does, drawing and encoding its batch; the PyTorch arms hold the exported batches as tensors. The ratio is reported only when PyTorch
 * resolved an optimised BLAS (`lib/blas.ts`). A last pair of rows trains the easy learn run (one
 * column, sum/count) in both, each from its own init, and gives the hard program's test accuracy
 * before and after: the PyTorch model learns as the TS one does.
 */
export interface NeuralProgrammerSectionOptions {
  readonly quick: boolean;
  /** Include the PyTorch arms (skipped with a note when PyTorch is not importable). */
  readonly torch: boolean;
}

/** Steps of each arm's warm-up block (kernels compiled, caches filled). */
const WARMUP_STEPS = 5;
/** Steps of the learn run: the learning test solves it within this. */
const LEARN_STEPS = 200;

interface Arm {
  readonly label: string;
  readonly child: LineChild;
  readonly arm: 'plain' | 'noisy';
  readonly msPerStep: number[];
  readonly cpuMsPerStep: number[];
  /** The loss of step 0 and of the warm-up's last step. */
  firstLoss: number;
  warmupLoss: number;
}

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

async function block(a: Arm, steps: number): Promise<Record<string, unknown>> {
  return a.child.request({ cmd: 'run', arm: a.arm, steps });
}

/** The learn run's accuracy before and after {@link LEARN_STEPS} steps in `child`. */
async function learn(child: LineChild): Promise<{ before: number; after: number; loss: number }> {
  const before = Number((await child.request({ cmd: 'learn', steps: 0 })).accuracy);
  const after = await child.request({ cmd: 'learn', steps: LEARN_STEPS });
  return { before, after: Number(after.accuracy), loss: Number(after.loss) };
}

export async function neuralProgrammerSection(
  options: NeuralProgrammerSectionOptions,
): Promise<SectionOutcome> {
  const rounds = options.quick ? 3 : 20;
  const blockSteps = options.quick ? 5 : 20;
  const dir = await mkdtemp(join(tmpdir(), 'gradnoise-bench-np-'));
  const children: LineChild[] = [];
  const skipped: string[] = [];
  try {
    const seed = String(NP_BENCH_SEED);
    const tfjs = await LineChild.start(process.execPath, [
      '--import',
      'tsx',
      here('../neural_programmer/tfjs-child.ts'),
      dir,
      seed,
    ]);
    children.push(tfjs.child);
    const arms: Arm[] = [];
    const addArms = (child: LineChild, label: string) => {
      for (const arm of ['plain', 'noisy'] as const) {
        arms.push({
          label: `${label} ${arm}`,
          child,
          arm,
          msPerStep: [],
          cpuMsPerStep: [],
          firstLoss: 0,
          warmupLoss: 0,
        });
      }
    };
    addArms(tfjs.child, 'tfjs wasm');
    let blas: BlasResolution | null = null;
    if (options.torch) {
      const { speed, learn: learnPath } = tfjs.ready;
      try {
        const torch = await startTorchChild(here('../neural_programmer/torch_child.py'), [
          String(speed),
          String(learnPath),
          seed,
        ]);
        children.push(torch.child);
        const info = torch.ready.blasInfo;
        blas = await blasOfProcess(torch.child.pid ?? -1, typeof info === 'string' ? info : null);
        console.log(
          `PyTorch ${String(torch.ready.torch)}, ${String(torch.ready.threads)} thread(s), BLAS ${formatBlas(blas)}`,
        );
        addArms(torch.child, 'PyTorch');
      } catch (error) {
        skipped.push(`PyTorch: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    for (const a of arms) {
      const reply = await block(a, WARMUP_STEPS);
      a.firstLoss = Number(reply.firstLoss);
      a.warmupLoss = Number(reply.loss);
    }
    for (let r = 0; r < rounds; r += 1) {
      for (let k = 0; k < arms.length; k += 1) {
        const a = arms[(r + k) % arms.length] as Arm;
        const reply = await block(a, blockSteps);
        a.msPerStep.push(Number(reply.wallMs) / blockSteps);
        a.cpuMsPerStep.push(Number(reply.cpuMs) / blockSteps);
      }
    }
    const learned = await Promise.all(children.map((c) => learn(c)));
    return summarize({ arms, blas, skipped, rounds, blockSteps, learned });
  } finally {
    await Promise.all(children.map((c) => c.close()));
    await rm(dir, { recursive: true, force: true });
  }
}

function summarize(r: {
  readonly arms: readonly Arm[];
  readonly blas: BlasResolution | null;
  readonly skipped: readonly string[];
  readonly rounds: number;
  readonly blockSteps: number;
  readonly learned: ReadonlyArray<{ before: number; after: number; loss: number }>;
}): SectionOutcome {
  const rows: Row[] = r.skipped.map((reason) => infoRow('PyTorch', 'skipped', reason));
  if (r.blas !== null) rows.push(infoRow('PyTorch BLAS', formatBlas(r.blas)));
  for (const a of r.arms) {
    rows.push(
      infoRow(
        `${a.label}: ms/step`,
        `${fixed(median(a.msPerStep))} ms; CPU ${fixed(median(a.cpuMsPerStep))} ms`,
        `median of ${r.rounds} blocks of ${r.blockSteps} steps after a ${WARMUP_STEPS}-step warm-up`,
      ),
    );
  }
  const find = (label: string) => r.arms.find((a) => a.label === label);
  const [tfjsPlain, torchPlain] = [find('tfjs wasm plain'), find('PyTorch plain')];
  if (tfjsPlain !== undefined && torchPlain !== undefined) {
    rows.push(
      infoRow(
        'loss at step 0 / after the warm-up, plain: tfjs vs PyTorch',
        `${fixed(tfjsPlain.firstLoss, 4)} vs ${fixed(torchPlain.firstLoss, 4)}; ${fixed(tfjsPlain.warmupLoss, 4)} vs ${fixed(torchPlain.warmupLoss, 4)}`,
        `same initial weights and batches: equal up to float rounding when the models are the same`,
      ),
    );
  }
  const ratios: Record<string, { wall: number[]; cpu: number[] }> = {};
  const compare = (name: string, num: string, den: string): void => {
    const a = find(num);
    const b = find(den);
    if (a === undefined || b === undefined) return;
    ratios[name] = {
      wall: pairedRatios(a.msPerStep, b.msPerStep),
      cpu: pairedRatios(a.cpuMsPerStep, b.cpuMsPerStep),
    };
    const { wall, cpu } = ratios[name];
    rows.push(infoRow(name, `${describeRatios(wall)}; CPU ${describeRatios(cpu)}`, 'paired by round'));
  };
  compare('noise overhead, tfjs wasm (noisy / plain)', 'tfjs wasm noisy', 'tfjs wasm plain');
  compare('noise overhead, PyTorch (noisy / plain)', 'PyTorch noisy', 'PyTorch plain');
  if (r.blas?.optimised === true) {
    compare('tfjs wasm / PyTorch, plain (Adam)', 'tfjs wasm plain', 'PyTorch plain');
    compare('tfjs wasm / PyTorch, noisy (Adam, η = 1.0)', 'tfjs wasm noisy', 'PyTorch noisy');
  } else if (r.blas !== null) rows.push(infoRow('tfjs wasm / PyTorch', 'refused', refusedRatio(r.blas)));
  ['tfjs wasm', 'PyTorch'].forEach((label, i) => {
    const l = r.learned[i];
    if (l === undefined) return;
    rows.push(
      infoRow(
        `${label}: learn run, hard test accuracy`,
        `${fixed(l.before * 100, 1)} % → ${fixed(l.after * 100, 1)} % after ${LEARN_STEPS} steps`,
        `one column, sum/count, T = 1, own init, Adam 0.05, η = 1.0; final loss ${fixed(l.loss, 4)}`,
      ),
    );
  });
  const data = {
    rounds: r.rounds,
    blockSteps: r.blockSteps,
    warmupSteps: WARMUP_STEPS,
    blas: r.blas,
    arms: r.arms.map((a) => ({
      label: a.label,
      msPerStep: a.msPerStep,
      cpuMsPerStep: a.cpuMsPerStep,
      medianMs: median(a.msPerStep),
      firstLoss: a.firstLoss,
      warmupLoss: a.warmupLoss,
    })),
    ratios,
    learned: r.learned,
    skipped: r.skipped,
  };
  return { rows, data, ...(r.skipped.length > 0 ? { skipped: r.skipped.join('; ') } : {}) };
}
