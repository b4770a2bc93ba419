import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BlasResolution, blasOfProcess, formatBlas, refusedRatio } from '../lib/blas.js';
import { LineChild, startTorchChild } from '../lib/line-child.js';
import { fixed, goalRow, infoRow, type Row, type SectionOutcome } from '../lib/report.js';
import { describeRatios, median, pairedRatios } from '../lib/stats.js';
import { LOSS_TOLERANCE, lossAgreement } from '../neural_gpu/agreement.js';

/**
 * The Neural GPU training step of issue 22, goal 3 (paper §4.5): tfjs wasm / a PyTorch version of
 * the same model (`bench/neural_gpu/torch_child.py`) ≤ 1.0, one thread each, at the trainer's
 * default config (24 maps, 2 CGRU layers, height 4, batch 32) at length 20 (`--quick`: 10).
 *
 * The tfjs child builds the trainer's model from the run's init streams and exports its initial
 * weights, one batch and that step's dropout masks; both sides train on that batch with those
 * masks at every step (Adam, clip to global norm 1, no noise), so their first losses must agree
 * to {@link LOSS_TOLERANCE} relative, or no ratio is reported. A step takes seconds on wasm, so
 * there are few: one warm-up step per side, then rounds of one step of each, in an order rotated by
 * round; the ratio is the median of the per-round ratios, reported only when PyTorch resolved an
 * optimised BLAS (`lib/blas.ts`). The native backend is not timed: this trainer runs on wasm there
 * (the addon has no convolutions).
 */
export interface NeuralGpuSectionOptions {
  readonly quick: boolean;
  /** Include the PyTorch side (skipped with a note when PyTorch is not importable). */
  readonly torch: boolean;
}

/** The seed of the init, batch and mask streams. */
const SEED = 1;

interface Side {
  readonly label: string;
  readonly child: LineChild;
  readonly msPerStep: number[];
  readonly cpuMsPerStep: number[];
  firstLoss: number;
}

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export async function neuralGpuSection(options: NeuralGpuSectionOptions): Promise<SectionOutcome> {
  const length = options.quick ? 10 : 20;
  const rounds = options.quick ? 2 : 3;
  const dir = await mkdtemp(join(tmpdir(), 'gradnoise-bench-ngpu-'));
  const children: LineChild[] = [];
  const skipped: string[] = [];
  try {
    const tfjs = await LineChild.start(process.execPath, [
      '--import',
      'tsx',
      here('../neural_gpu/tfjs-child.ts'),
      dir,
      String(SEED),
      String(length),
    ]);
    children.push(tfjs.child);
    const side = (label: string, child: LineChild): Side => ({
      label,
      child,
      msPerStep: [],
      cpuMsPerStep: [],
      firstLoss: Number.NaN,
    });
    const sides: Side[] = [side('tfjs wasm', tfjs.child)];
    let blas: BlasResolution | null = null;
    if (options.torch) {
      try {
        const torch = await startTorchChild(here('../neural_gpu/torch_child.py'), [String(tfjs.ready.path)]);
        children.push(torch.child);
        const info = torch.ready.blasInfo;
        blas = await blasOfProcess(torch.child.pid ?? -1, typeof info === 'string' ? info : null);
        sides.push(side('PyTorch', torch.child));
      } catch (error) {
        skipped.push(`PyTorch: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    for (const s of sides) {
      s.firstLoss = Number((await s.child.request({ cmd: 'run', steps: 1 })).firstLoss);
    }
    for (let r = 0; r < rounds; r += 1) {
      for (let k = 0; k < sides.length; k += 1) {
        const s = sides[(r + k) % sides.length] as Side;
        const reply = await s.child.request({ cmd: 'run', steps: 1 });
        s.msPerStep.push(Number(reply.wallMs));
        s.cpuMsPerStep.push(Number(reply.cpuMs));
      }
    }
    return summarize({ sides, blas, skipped, rounds, length });
  } finally {
    await Promise.all(children.map((c) => c.close()));
    await rm(dir, { recursive: true, force: true });
  }
}

function summarize(r: {
  readonly sides: readonly Side[];
  readonly blas: BlasResolution | null;
  readonly skipped: readonly string[];
  readonly rounds: number;
  readonly length: number;
}): SectionOutcome {
  const rows: Row[] = r.skipped.map((reason) => infoRow('PyTorch', 'skipped', reason));
  if (r.blas !== null) rows.push(infoRow('PyTorch BLAS', formatBlas(r.blas)));
  for (const s of r.sides) {
    rows.push(
      infoRow(
        `${s.label}: ms/step, length ${r.length}`,
        `${fixed(median(s.msPerStep), 0)} ms; CPU ${fixed(median(s.cpuMsPerStep), 0)} ms`,
        `median of ${r.rounds} steps after a 1-step warm-up`,
      ),
    );
  }
  const [tfjs, torch] = r.sides;
  let ratios: number[] = [];
  if (tfjs !== undefined && torch !== undefined) {
    const agreement = lossAgreement(tfjs.firstLoss, torch.firstLoss);
    rows.push(
      infoRow(
        'loss at step 0: tfjs vs PyTorch',
        `${fixed(tfjs.firstLoss, 6)} vs ${fixed(torch.firstLoss, 6)} (relative ${agreement.relative.toExponential(1)})`,
        agreement.agree
          ? `same weights, batch and dropout masks: agree within ${LOSS_TOLERANCE}`
          : `DISAGREE beyond ${LOSS_TOLERANCE}: the models differ, so no ratio is reported`,
      ),
    );
    const goal = 'tfjs / PyTorch ≤ 1.0';
    const benchmark = `Neural GPU step (24 maps, length ${r.length}): tfjs wasm / PyTorch`;
    const native = 'the native backend runs this trainer on wasm (the addon has no convolutions)';
    if (!agreement.agree) rows.push(infoRow(benchmark, 'not reported', 'first losses disagree'));
    else if (r.blas?.optimised !== true) {
      rows.push(infoRow(benchmark, 'refused', r.blas === null ? 'no BLAS' : refusedRatio(r.blas)));
    } else {
      ratios = pairedRatios(tfjs.msPerStep, torch.msPerStep);
      const cpu = pairedRatios(tfjs.cpuMsPerStep, torch.cpuMsPerStep);
      rows.push(
        goalRow(
          benchmark,
          `${describeRatios(ratios)}; CPU ${describeRatios(cpu)}`,
          goal,
          median(ratios) <= 1,
          `paired by round; ${native}`,
        ),
      );
    }
  }
  const data = {
    length: r.length,
    rounds: r.rounds,
    blas: r.blas,
    sides: r.sides.map((s) => ({
      label: s.label,
      msPerStep: s.msPerStep,
      cpuMsPerStep: s.cpuMsPerStep,
      medianMs: median(s.msPerStep),
      firstLoss: s.firstLoss,
    })),
    ratios,
    skipped: r.skipped,
  };
  return { rows, data, ...(r.skipped.length > 0 ? { skipped: r.skipped.join('; ') } : {}) };
}
