import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { NramConfig } from '../../src/trainers/nram/index.js';
import { LineChild } from '../lib/line-child.js';
import { fixed, infoRow, type Row, type SectionOutcome } from '../lib/report.js';
import { describeRatios, median, pairedRatios } from '../lib/stats.js';
import { describeNramConfig, NRAM_BENCH_CONFIGS } from '../nram/arms.js';
import {
  formatPhases,
  type KernelTotal,
  NRAM_PHASES,
  PHASE_LABELS,
  type PhaseTimes,
} from '../nram/phases.js';

/**
 * The NRAM training step (issue 18, "Speed"): the real `nram` trainer step on tfjs wasm (one
 * thread) and on the `native` backend (the addon's step), at the trainer's defaults, at the issue's
 * tiny instance (M = 8) and at Table 4's setting, with and without noise (η = 0.01 vs 0; clipping
 * in both), and where the tfjs step's time goes.
 *
 * 1. ms per step: one long-lived child (`bench/nram/step-child.ts`) holds every arm; after a
 *    warm-up the parent runs rounds of one block per arm in a rotated order and takes the noise
 *    overhead, and the native speed-up (wasm / native), as medians of paired block ratios, as the
 *    `step` section does.
 * 2. Where the time goes: another child (`bench/nram/phases-child.ts`) splits the same step into
 *    phases (data, controller forward, machine forward, loss, backward, clip+noise, Adam apply,
 *    read-back), each the median over blocks of its ms per step, and times every kernel of a few
 *    noisy steps (self time, charged to its phase) for the kernel share of each phase and the top
 *    kernels.
 */
export interface NramSectionOptions {
  readonly quick: boolean;
}

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

interface Arm {
  readonly name: string;
  blockSteps: number;
  readonly wallMsPerStep: number[];
  readonly cpuMsPerStep: number[];
  readonly addonMsPerStep: number[];
}

interface PhasesReport {
  readonly arms: ReadonlyArray<{ name: string; blocks: PhaseTimes[] }>;
  readonly profiles: Readonly<
    Record<
      string,
      {
        arm: string;
        steps: number;
        wall: PhaseTimes;
        kernelMs: PhaseTimes;
        kernels: PhaseTimes;
        top: KernelTotal[];
        topByShape: KernelTotal[];
      }
    >
  >;
}

async function timeSteps(quick: boolean): Promise<{ arms: Arm[]; nativeMissing: string | null }> {
  const rounds = quick ? 2 : 15;
  const blockMs = quick ? 150 : 1000;
  const { child, ready } = await LineChild.start(process.execPath, [
    '--import',
    'tsx',
    here('../nram/step-child.ts'),
  ]);
  const arms: Arm[] = (ready.arms as string[]).map((name) => ({
    name,
    blockSteps: 1,
    wallMsPerStep: [],
    cpuMsPerStep: [],
    addonMsPerStep: [],
  }));
  const block = async (a: Arm, steps: number) => {
    const reply = await child.request({ cmd: 'run', arm: a.name, steps });
    return {
      wall: Number(reply.wallMs) / steps,
      cpu: Number(reply.cpuMs) / steps,
      addon: Number(reply.addonMs) / steps,
    };
  };
  try {
    for (const a of arms) {
      await block(a, 2); // compiles kernels, fills caches
      const warm = await block(a, quick ? 2 : 10);
      a.blockSteps = Math.max(2, Math.min(50, Math.round(blockMs / warm.wall)));
    }
    for (let r = 0; r < rounds; r += 1) {
      for (let k = 0; k < arms.length; k += 1) {
        const a = arms[(r + k) % arms.length] as Arm;
        const { wall, cpu, addon } = await block(a, a.blockSteps);
        a.wallMsPerStep.push(wall);
        a.cpuMsPerStep.push(cpu);
        a.addonMsPerStep.push(addon);
      }
    }
  } finally {
    await child.close();
  }
  return { arms, nativeMissing: typeof ready.native === 'string' ? ready.native : null };
}

async function splitPhases(quick: boolean): Promise<PhasesReport> {
  const [rounds, steps, profiled] = quick ? [2, 1, 1] : [10, 5, 5];
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', here('../nram/phases-child.ts'), String(rounds), String(steps), String(profiled)],
    { maxBuffer: 2 ** 24, timeout: 600_000 },
  );
  const line = stdout.split('\n').find((l) => l.startsWith('{'));
  if (line === undefined) throw new Error(`nram phases child printed no report: ${stdout.slice(-300)}`);
  return JSON.parse(line) as PhasesReport;
}

/** Each phase's median over blocks. */
function medianPhases(blocks: readonly PhaseTimes[]): PhaseTimes {
  return Object.fromEntries(NRAM_PHASES.map((p) => [p, median(blocks.map((b) => b[p]))])) as PhaseTimes;
}
/**
 * The ms/step rows of `config`'s plain and noisy arms (the `… native` ones when `native`), and their
 * noise overhead, recorded in `ratios` under the arms' common name.
 */
function armRows(
  rows: Row[],
  ratios: Record<string, number[]>,
  config: string,
  native: boolean,
  c: NramConfig,
  arms: readonly Arm[],
): void {
  const suffix = native ? ' native' : '';
  const plain = arms.find((a) => a.name === `${config} plain${suffix}`);
  const noisy = arms.find((a) => a.name === `${config} noisy${suffix}`);
  for (const a of [plain, noisy]) {
    if (a === undefined) continue;
    // Native arms: the share of the step inside the addon; the rest is the tfjs optimizer (clip,
    // noise, Adam), the batch, the curriculum and the metrics.
    const addon = median(a.addonMsPerStep);
    const inAddon = native
      ? `; in the addon ${fixed(addon)} ms (${Math.round((addon / median(a.wallMsPerStep)) * 100)} %)`
      : '';
    rows.push(
      infoRow(
        `${a.name} (${describeNramConfig(c)}): ms/step`,
        `${fixed(median(a.wallMsPerStep))} ms; CPU ${fixed(median(a.cpuMsPerStep))} ms${inAddon}`,
        `median of ${a.wallMsPerStep.length} blocks of ${a.blockSteps} steps`,
      ),
    );
  }
  if (plain !== undefined && noisy !== undefined) {
    const wall = pairedRatios(noisy.wallMsPerStep, plain.wallMsPerStep);
    ratios[`${config}${suffix}`] = wall;
    rows.push(
      infoRow(
        `${config}${suffix}: noise overhead (noisy / plain)`,
        `${describeRatios(wall)}; CPU ${describeRatios(pairedRatios(noisy.cpuMsPerStep, plain.cpuMsPerStep))}`,
      ),
    );
  }
}

export async function nramSection(options: NramSectionOptions): Promise<SectionOutcome> {
  const { arms, nativeMissing } = await timeSteps(options.quick);
  const phases = await splitPhases(options.quick);
  const rows: Row[] = [];
  const ratios: Record<string, number[]> = {};
  const speedups: Record<string, number[]> = {};
  for (const [config, c] of Object.entries(NRAM_BENCH_CONFIGS)) {
    for (const native of [false, true]) armRows(rows, ratios, config, native, c, arms);
    const wasm = arms.find((a) => a.name === `${config} noisy`);
    const native = arms.find((a) => a.name === `${config} noisy native`);
    if (wasm !== undefined && native !== undefined) {
      const speedup = pairedRatios(wasm.wallMsPerStep, native.wallMsPerStep);
      speedups[config] = speedup;
      rows.push(
        infoRow(
          `${config}: native speed-up (wasm / native, noisy arms)`,
          `${describeRatios(speedup)}; CPU ${describeRatios(pairedRatios(wasm.cpuMsPerStep, native.cpuMsPerStep))}`,
        ),
      );
    }
  }
  if (nativeMissing !== null) rows.push(infoRow('native arms', `not run: ${nativeMissing}`));

  const split: Record<string, PhaseTimes> = {};
  for (const a of phases.arms) {
    split[a.name] = medianPhases(a.blocks);
    rows.push(
      infoRow(
        `${a.name}: phases, ms/step`,
        formatPhases(split[a.name] as PhaseTimes),
        `median of ${a.blocks.length} blocks per phase`,
      ),
    );
  }
  for (const [config, p] of Object.entries(phases.profiles)) {
    const kernelShare = NRAM_PHASES.filter((ph) => p.wall[ph] > 0.5)
      .map(
        (ph) =>
          `${PHASE_LABELS[ph]} ${Math.round((p.kernelMs[ph] / p.wall[ph]) * 100)} % of ${Math.round(p.kernels[ph])}`,
      )
      .join(' · ');
    rows.push(
      infoRow(
        `${p.arm}: kernel time per phase (of its wall time, kernels per step)`,
        kernelShare,
        `${p.steps} steps with every kernel timed (self time); the hook slows the step a little`,
      ),
    );
    const top = (list: readonly KernelTotal[]) =>
      list
        .slice(0, 6)
        .map((k) => `${k.name} ${fixed(k.ms)} ms ×${Math.round(k.count)} (${Math.round(k.share * 100)} %)`)
        .join(' · ');
    rows.push(infoRow(`${config}: top kernels by time, per step`, top(p.top)));
    rows.push(infoRow(`${config}: top kernels by input shape, per step`, top(p.topByShape)));
  }
  const data = {
    arms: arms.map((a) => ({
      ...a,
      medianWallMs: median(a.wallMsPerStep),
      medianCpuMs: median(a.cpuMsPerStep),
    })),
    noiseOverhead: Object.fromEntries(
      Object.entries(ratios).map(([k, v]) => [k, { median: median(v), wall: v }]),
    ),
    nativeSpeedup: Object.fromEntries(
      Object.entries(speedups).map(([k, v]) => [k, { median: median(v), wall: v }]),
    ),
    phases: split,
    phaseBlocks: phases.arms,
    kernels: phases.profiles,
  };
  return { rows, data };
}
