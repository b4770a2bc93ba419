import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { fixed, goalRow, infoRow, int, type SectionOutcome } from '../lib/report.js';
import { linearFit, quantile } from '../lib/stats.js';
import type { ChildReport } from '../memory/report.js';

const CHILD = fileURLToPath(new URL('../memory/child.ts', import.meta.url));

/**
 * Section 4: memory of one training worker. A child process runs one attempt of a small mlp run
 * (2 × 32 on 2,000 MNIST digits, so it takes about a minute; `bench/memory/child.ts`: the real
 * worker loop, on its main thread so its RSS is one worker's) for 10,000 steps, sampling every
 * 1,000; the section fits a line to tensors and RSS against the step over the marks inside the
 * run (the sample before training holds none of the start-up allocations: the wasm heap, MNIST,
 * the model; the one after the end none of the model). Flat means: the same tensor count at every
 * mark, none leaked at the end, and RSS rising by less than 1 MiB per 1,000 steps.
 *
 * It runs on wasm, and also on `native` when `--backends` names it (the addon's step writes into
 * the variables' memory, so a leak there would not show as a tensor); rows of another backend than
 * wasm carry its name.
 */
export async function memorySection(options: {
  readonly quick: boolean;
  readonly backends: readonly string[];
}): Promise<SectionOutcome> {
  const runs = ['wasm', ...(options.backends.includes('native') ? ['native'] : [])];
  const outcomes: SectionOutcome[] = [];
  for (const backend of runs) outcomes.push(await memoryOf(backend, options.quick));
  return {
    rows: outcomes.flatMap((o) => o.rows),
    data: Object.fromEntries(runs.map((b, i) => [b, outcomes[i]?.data])),
  };
}

async function memoryOf(backend: string, quick: boolean): Promise<SectionOutcome> {
  const steps = quick ? 600 : 10_000;
  const every = steps / 10;
  const depth = 2;
  const width = 32;
  const tag = backend === 'wasm' ? '' : ` (${backend})`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      '--expose-gc',
      '--import',
      'tsx',
      CHILD,
      String(steps),
      String(every),
      String(depth),
      String(width),
      backend,
    ],
    { maxBuffer: 16 * 2 ** 20, timeout: 600_000 },
  );
  const line = stdout.split('\n').find((l) => l.startsWith('{'));
  if (line === undefined) throw new Error(`memory child printed no report: ${stdout.slice(-300)}`);
  const report = JSON.parse(line) as ChildReport;
  if (report.outcome?.status !== 'COMPLETED')
    throw new Error(`the run ended ${JSON.stringify(report.outcome)}`);
  // The marks inside the run: not the sample before training, nor the one after its end.
  const steady = report.samples.filter((s) => s.step >= every && s.step < steps);
  const x = steady.map((s) => s.step / 1000);
  const tensors = linearFit(
    x,
    steady.map((s) => s.tensors),
  );
  const rss = linearFit(
    x,
    steady.map((s) => s.rssMiB),
  );
  const heap = linearFit(
    x,
    steady.map((s) => s.heapMiB),
  );
  const tensorCounts = [...new Set(steady.map((s) => s.tensors))];
  const rssRange = steady.map((s) => s.rssMiB);
  return {
    rows: [
      infoRow(
        `one training worker: peak RSS${tag}`,
        `${int(report.peakRssMiB)} MiB (process before training ${int(report.rssBeforeMiB)} MiB)`,
        `mlp ${depth} × ${width}, ${report.backend}, ${steps} steps in ${fixed(report.seconds, 1)} s`,
      ),
      goalRow(
        `tf.memory().numTensors over ${steps.toLocaleString('en')} steps${tag}`,
        `${tensorCounts.join(', ')} (slope ${fixed(tensors.slope, 3)} per 1,000 steps); leaked at end: ${report.leakedTensors}`,
        'constant, 0 leaked',
        tensorCounts.length === 1 && report.leakedTensors === 0,
      ),
      goalRow(
        `RSS over ${steps.toLocaleString('en')} steps${tag}`,
        `slope ${fixed(rss.slope, 3)} ± ${fixed(rss.stderr, 3)} MiB per 1,000 steps (${fixed(quantile(rssRange, 0), 1)}–${fixed(quantile(rssRange, 1), 1)} MiB)`,
        '< 1 MiB per 1,000 steps',
        rss.slope < 1,
        'sampled after a forced GC at each mark',
      ),
      infoRow(`V8 heap slope${tag}`, `${fixed(heap.slope, 3)} MiB per 1,000 steps`),
    ],
    data: { steps, every, depth, width, ...report, fits: { tensors, rss, heap } },
  };
}
