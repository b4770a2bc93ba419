/**
 * Pools the ingest slowdown of several saved benchmark runs into one estimate:
 *
 *   npm run bench:ingest-pool -- .bench/ingest-1.json .bench/ingest-2.json …
 *
 * Each file is the `--out` of `npm run bench -- --only ingest [--ingest-blocks N]`. The ratios of
 * every run's blocks are pooled; the median and its 95 % bootstrap interval resample whole blocks,
 * exactly as the section does for one run (`bench/service/ingest.ts`), so several runs of 60
 * blocks read as one run of their total. It prints each run, then the pool, and whether the whole
 * interval is within the goal (1.05).
 */
import { readFileSync } from 'node:fs';
import { bootstrapMedianInterval, chunks, median } from './lib/stats.js';

interface SavedRun {
  readonly startedAt?: string;
  readonly sections?: readonly { readonly name?: string; readonly data?: { readonly ratios?: unknown } }[];
}

/** The ingest section's paired ratios of one results file, two per block in block order. */
function ingestRatios(path: string): { startedAt: string; ratios: number[] } {
  const saved = JSON.parse(readFileSync(path, 'utf8')) as SavedRun;
  const section = saved.sections?.find((s) => s.name === 'ingest');
  const ratios = section?.data?.ratios;
  if (!Array.isArray(ratios) || ratios.length === 0 || !ratios.every((r) => typeof r === 'number')) {
    throw new Error(
      `${path}: no ingest section with ratios (run npm run bench -- --only ingest --out ${path})`,
    );
  }
  return { startedAt: saved.startedAt ?? '?', ratios: ratios as number[] };
}

const paths = process.argv.slice(2);
if (paths.length === 0) {
  console.error('usage: npm run bench:ingest-pool -- results.json [more.json …]');
  process.exit(2);
}
const blocks: number[][] = [];
for (const path of paths) {
  const { startedAt, ratios } = ingestRatios(path);
  // Two ratios per block, as the section pairs its off, on, on, off phases.
  const own = chunks(ratios, 2);
  const [low, high] = bootstrapMedianInterval(own);
  console.log(
    `${path} (${startedAt}): ${own.length} blocks, median ${median(ratios).toFixed(3)}, 95 % interval ${low.toFixed(3)}–${high.toFixed(3)}`,
  );
  blocks.push(...own);
}
const [low, high] = bootstrapMedianInterval(blocks);
console.log(
  `pooled: ${blocks.length} blocks, median ${median(blocks.flat()).toFixed(3)}, 95 % interval ${low.toFixed(3)}–${high.toFixed(3)}: ` +
    (high <= 1.05 ? 'within the goal (≤ 1.05)' : 'not within the goal (≤ 1.05)'),
);
