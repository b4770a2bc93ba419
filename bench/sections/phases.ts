import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { fixed, infoRow, type Row, type SectionOutcome } from '../lib/report.js';
import { median } from '../lib/stats.js';

/**
 * The profile behind the step's speedups: where one wasm training step of the 20 × 50 mlp spends
 * its CPU time, split into forward, backward, the SGD update, the NoisyOptimizer's host read and
 * norm (η = 0) and its noise (η = 0.01; by the default `box-muller` generator, and by the `ziggurat`
 * for comparison), for both dense-gradient paths (`bench/step/phases-child.ts`;
 * each part is the median over rounds of the difference between two blocks of the same round, so
 * on a busy machine a small part can come out negative).
 */
const CHILD = fileURLToPath(new URL('../step/phases-child.ts', import.meta.url));

export async function phasesSection(options: { readonly quick: boolean }): Promise<SectionOutcome> {
  const rounds = options.quick ? 2 : 20;
  const calls = options.quick ? 3 : 10;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', CHILD, 'wasm', String(rounds), String(calls)],
    { maxBuffer: 2 ** 24, timeout: 600_000 },
  );
  const line = stdout.split('\n').find((l) => l.startsWith('{'));
  if (line === undefined) throw new Error(`phases child printed no report: ${stdout.slice(-300)}`);
  const report = JSON.parse(line) as { backend: string; cpuMs: Record<string, number[]> };
  const blocks = (name: string): number[] => report.cpuMs[name] ?? [];
  // A part's cost is the median over rounds of (part with it − part without it) in the same
  // round: blocks of one round ran close together, under the same load.
  const extra = (withIt: string, without: string): number =>
    median(blocks(withIt).map((v, i) => v - (blocks(without)[i] ?? Number.NaN)));
  const rows: Row[] = [];
  const split: Record<string, Record<string, number>> = {};
  for (const path of ['transposed', 'tfjs']) {
    const parts = {
      forward: median(blocks(`${path} forward`)),
      backward: extra(`${path} fwd+bwd`, `${path} forward`),
      sgdUpdate: extra(`${path} +sgd`, `${path} fwd+bwd`),
      hostReadAndNorm: extra(`${path} +noisy η=0`, `${path} +sgd`),
      noise: extra(`${path} +noisy η=.01`, `${path} +noisy η=0`),
      noiseZiggurat: extra(`${path} +noisy η=.01 ziggurat`, `${path} +noisy η=0`),
      step: median(blocks(`${path} +noisy η=.01`)),
    };
    split[path] = parts;
    rows.push(
      infoRow(
        `${report.backend} step, ${path} dense gradient: CPU ms`,
        `forward ${fixed(parts.forward)} · backward ${fixed(parts.backward)} · SGD ${fixed(parts.sgdUpdate)} · ` +
          `grad read+norm ${fixed(parts.hostReadAndNorm)} · noise ${fixed(parts.noise)} = ${fixed(parts.step)} ` +
          `(noise by the ziggurat: ${fixed(parts.noiseZiggurat)})`,
        `median of ${rounds} blocks of ${calls} calls per part`,
      ),
    );
  }
  return { rows, data: { rounds, calls, split, cpuMs: report.cpuMs } };
}
