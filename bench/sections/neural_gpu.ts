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
 * The Neural GPU training step of issue 22, goal 3 (paper §4.5): tfjs wasm, and the native
 * backend's addon (`native/neural_gpu.c`), each / a PyTorch version of the same model
 * (`bench/neural_gpu/torch_child.py`) ≤ 1.0, one thread each, at the trainer's default config
 * (24 maps, 2 CGRU layers, height 4, batch 32) at length 20 (`--quick`: 10).
 *
 * The tfjs child builds the trainer's model from the run's init streams and exports its initial
 * weights, one batch and that step's dropout masks; the native child (the same script on the
 * `native` backend) builds the same from the same streams, and PyTorch reads the export. Every side
 * trains on that batch with those masks at every step (Adam, clip to global norm 1, no noise), so
 * their first losses must agree to {@link LOSS_TOLERANCE} relative, or no ratio is reported. A step
 * takes seconds on wasm, so there are few: one warm-up step per side, then rounds of one step of
 * each, in an order rotated by round; a ratio is the median of the per-round ratios, reported only
 * when PyTorch resolved an optimised BLAS (`lib/blas.ts`). The native side is skipped, with the
 * reason, where the addon is not built (`npm run build:native`).
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
    const startTfjs = (backend: 'wasm' | 'native') =>
      LineChild.start(process.execPath, [
        '--import',
        'tsx',
        here('../neural_gpu/tfjs-child.ts'),
        dir,
        String(SEED),
        String(length),
        backend,
      ]);
    const tfjs = await startTfjs('wasm');
    children.push(tfjs.child);
    const side = (label: string, child: LineChild): Side => ({
      label,
      child,
      msPerStep: [],
      cpuMsPerStep: [],
      firstLoss: Number.NaN,
    });
    const sides: Side[] = [side('tfjs wasm', tfjs.child)];
    try {
      const native = await startTfjs('native');
      children.push(native.child);
      sides.push(side('native', native.child));
    } catch (error) {
      skipped.push(`native: ${error instanceof Error ? error.message : String(error)}`);
    }
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
  const rows: Row[] = r.skipped.map((reason) => infoRow(reason.split(':')[0] ?? reason, 'skipped', reason));
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
  const torch = r.sides.find((s) => s.label === 'PyTorch');
  const ratios: Record<string, number[]> = {};
  for (const s of r.sides) {
    if (torch === undefined || s === torch) continue;
    ratios[s.label] = ratioRows(rows, s, torch, r.blas, r.length);
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

/** The loss agreement and `side` / PyTorch rows; returns the per-round ratios (empty if none). */
function ratioRows(
  rows: Row[],
  side: Side,
  torch: Side,
  blas: BlasResolution | null,
  length: number,
): number[] {
  const agreement = lossAgreement(side.firstLoss, torch.firstLoss);
  rows.push(
    infoRow(
      `loss at step 0: ${side.label} vs PyTorch`,
      `${fixed(side.firstLoss, 6)} vs ${fixed(torch.firstLoss, 6)} (relative ${agreement.relative.toExponential(1)})`,
      agreement.agree
        ? `same weights, batch and dropout masks: agree within ${LOSS_TOLERANCE}`
        : `DISAGREE beyond ${LOSS_TOLERANCE}: the models differ, so no ratio is reported`,
    ),
  );
  const benchmark = `Neural GPU step (24 maps, length ${length}): ${side.label} / PyTorch`;
  if (!agreement.agree) {
    rows.push(infoRow(benchmark, 'not reported', 'first losses disagree'));
    return [];
  }
  if (blas?.optimised !== true) {
    rows.push(infoRow(benchmark, 'refused', blas === null ? 'no BLAS' : refusedRatio(blas)));
    return [];
  }
  const ratios = pairedRatios(side.msPerStep, torch.msPerStep);
  const cpu = pairedRatios(side.cpuMsPerStep, torch.cpuMsPerStep);
  rows.push(
    goalRow(
      benchmark,
      `${describeRatios(ratios)}; CPU ${describeRatios(cpu)}`,
      `${side.label} / PyTorch ≤ 1.0`,
      median(ratios) <= 1,
      'paired by round',
    ),
  );
  return ratios;
}
