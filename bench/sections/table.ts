/**
 * The sections of `npm run bench` (usage in `bench/main.ts`) in the order they run, what each is
 * handed, and their selection by `--only`.
 */
import type { BenchPostgres } from '../lib/postgres.js';
import type { SectionOutcome } from '../lib/report.js';
import type { ServiceProcess } from '../lib/service.js';
import { fanoutSection } from '../service/fanout.js';
import { ingestSection } from '../service/ingest.js';
import { replaySection } from '../service/replay.js';
import { startRunSection } from '../service/startrun.js';
import { memn2nSection } from './memn2n.js';
import { memorySection } from './memory.js';
import { neuralGpuSection } from './neural_gpu.js';
import { neuralProgrammerSection } from './neural_programmer.js';
import { nramSection } from './nram.js';
import { phasesSection } from './phases.js';
import { stepSection } from './step.js';
import { sweepSection } from './sweep.js';

export interface Context {
  readonly quick: boolean;
  readonly backends: readonly string[];
  readonly torch: boolean;
  /** Measured rounds of the step section (`--rounds`); its default when undefined. */
  readonly rounds: number | undefined;
  /** Blocks of the ingest section's slowdown measurement. */
  readonly ingestBlocks: number | undefined;
  /** The generated task of the memn2n section. */
  readonly memn2nTask: number;
  /** The benchmark PostgreSQL server, started on first use. */
  readonly postgres: () => Promise<BenchPostgres>;
  /** The service the service sections share, started on first use. */
  readonly service: () => Promise<ServiceProcess>;
}

/** Workers of the shared service: the machine's two cores, as `GRADNOISE_WORKERS` defaults to. */
export const SERVICE_WORKERS = 2;

export interface Section {
  readonly name: string;
  readonly title: string;
  run(context: Context): Promise<SectionOutcome>;
}

export const SECTIONS: readonly Section[] = [
  {
    name: 'step',
    title: 'Training step (20 × 50 MLP, batch 100, SGD) per backend, with and without noise, vs PyTorch',
    // --quick: wasm (and PyTorch) only, and webgpu and native when asked for; the cpu backend
    // alone would take most of a minute.
    run: (c) =>
      stepSection({
        quick: c.quick,
        backends: c.quick ? c.backends.filter((b) => ['wasm', 'webgpu', 'native'].includes(b)) : c.backends,
        torch: c.torch,
        ...(c.rounds === undefined ? {} : { rounds: c.rounds }),
      }),
  },
  {
    name: 'memn2n',
    title: 'MemN2N full schedule (one bAbI-style task, 100 epochs) on tfjs wasm vs PyTorch',
    run: (c) => memn2nSection({ quick: c.quick, torch: c.torch, task: c.memn2nTask }),
  },
  {
    name: 'neural_programmer',
    title: 'Neural Programmer training step (default config), plain and noisy, tfjs wasm vs PyTorch',
    run: (c) => neuralProgrammerSection({ quick: c.quick, torch: c.torch }),
  },
  {
    name: 'neural_gpu',
    title: 'Neural GPU training step (default config, length 20) on tfjs wasm vs PyTorch',
    run: (c) => neuralGpuSection({ quick: c.quick, torch: c.torch }),
  },
  {
    name: 'phases',
    title: 'Profile: where a wasm training step spends its CPU time',
    run: (c) => phasesSection({ quick: c.quick }),
  },
  {
    name: 'nram',
    title:
      'NRAM training step (ListK, defaults and M = 8) on tfjs wasm, with and without noise; where its time goes',
    run: (c) => nramSection({ quick: c.quick }),
  },
  {
    name: 'sweep',
    title: 'Sweep scaling: runs per hour with 1 and 2 workers through the service',
    run: (c) => sweepSection({ quick: c.quick, postgres: c.postgres }),
  },
  {
    name: 'memory',
    title: 'Memory of one training worker over a long run',
    run: (c) => memorySection({ quick: c.quick, backends: c.backends }),
  },
  {
    name: 'replay',
    title: 'StreamMetrics replay of a run with 1,000,000 stored points',
    run: (c) => replaySection({ quick: c.quick, service: c.service }),
  },
  {
    name: 'fanout',
    title: 'StreamMetrics fan-out to 200 watchers of one training run',
    run: (c) => fanoutSection({ quick: c.quick, service: c.service }),
  },
  {
    name: 'ingest',
    title: 'Metric ingest: sink throughput and training slowdown',
    run: (c) => ingestSection({ quick: c.quick, service: c.service, blocks: c.ingestBlocks }),
  },
  {
    // Last of the service sections: it leaves the service's queue full.
    name: 'startrun',
    title: 'StartRun latency at 100 requests/s, open loop',
    run: (c) => startRunSection({ quick: c.quick, service: c.service, workers: SERVICE_WORKERS }),
  },
];

const GROUPS: Readonly<Record<string, readonly string[]>> = {
  service: ['replay', 'fanout', 'ingest', 'startrun'],
};

export function selectSections(only: string | undefined): Section[] {
  if (only === undefined || only === '') return [...SECTIONS];
  const wanted = new Set(only.split(',').flatMap((n) => GROUPS[n.trim()] ?? [n.trim()]));
  const unknown = [...wanted].filter((n) => !SECTIONS.some((s) => s.name === n));
  if (unknown.length > 0) {
    throw new Error(
      `--only: got ${unknown.join(', ')}; allowed: ${[...SECTIONS.map((s) => s.name), ...Object.keys(GROUPS)].join(', ')}`,
    );
  }
  return SECTIONS.filter((s) => wanted.has(s.name));
}
