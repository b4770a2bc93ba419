/**
 * The benchmark suite:
 *   npm run bench -- [--quick] [--only a,b] [--out path] [--backends wasm,cpu,tensorflow] [--no-torch] [--profile]
 *                    [--rounds 25] [--ingest-blocks 10] [--memn2n-task 1]
 *
 * Sections (each can run alone with `--only`):
 *   step      the paper's 20 × 50 MLP training step per tfjs backend, with and without noise, and
 *             PyTorch (1 thread) side by side, in interleaved blocks (issue 8); `--backends
 *             webgpu,wasm` adds webgpu (issue 20), which needs a GPU with a Vulkan driver or, on a
 *             CPU, lavapipe's environment (`eval "$(scripts/lavapipe.sh --print-env)"`): a
 *             correctness run there, which the section says; `--rounds` sets its measured rounds
 *             (default 25, `--quick` 2)
 *   memn2n    one generated bAbI-style task's full MemN2N schedule (100 epochs, d = 20) on tfjs wasm
 *             beside a PyTorch reference of the same model, one thread each, interleaved by
 *             epoch, and through the worker loop (issue 17); `--memn2n-task` picks the task
 *             (default 1); `--quick` trains 10 epochs
 *   neural_programmer  the Neural Programmer step at its default config, plain and noisy, beside a
 *             PyTorch reference trained on the same exported batches, one thread each (issue 19)
 *   neural_gpu  the Neural GPU step at its default config at length 20 (`--quick`: 10), on tfjs
 *             wasm and on the native addon (after `npm run build:native`), beside a PyTorch version
 *             trained from the same exported weights, batch and dropout masks, one thread each
 *             (issue 22)
 *   phases    the profile: forward, backward, SGD update, gradient read and noise of a wasm step
 *   nram      the NRAM trainer's step on wasm and on native (defaults, M = 8 and Table 4's
 *             setting), with and without noise, the native speed-up, and the wasm step split
 *             into phases (controller, gates, loss, backward, clip+noise, Adam) with its top
 *             kernels (issue 18)
 *   sweep     runs per hour of a small mlp sweep with 1 and 2 workers through the real service (issue 8)
 *   memory    peak RSS of one training worker, and tensors and RSS over a 10,000-step run (issue 8)
 *   replay    StreamMetrics replay of a run with 1,000,000 stored points (issue 3)
 *   fanout    live delivery latency to 200 watchers of one run (issue 3)
 *   ingest    metric sink throughput, and the training slowdown while it ingests (issue 3); its
 *             slowdown runs `--ingest-blocks` blocks of four 2-second phases (default 10, about 90 s;
 *             `--quick` 1)
 *   startrun  StartRun latency at 100 requests/s, open loop (issue 3)
 * `--only service` selects the four service sections. `--profile` runs the shared service under
 * `node --cpu-prof` and prints where its event loop spent its time (run one service section with it
 * to see that section's profile).
 *
 * It prints each section's rows as it finishes, then one table (measured value beside its goal), and
 * writes everything, raw samples included, to `.bench/results.json`. `--quick` shrinks every
 * section to smoke-test the suite in about a minute; its numbers are not for publishing.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { describeMachine, formatMachine, loadAverage } from './lib/machine.js';
import { openPostgres } from './lib/postgres.js';
import { formatShares, mainThreadProfile, type ProfileSummary, summarizeProfile } from './lib/profile.js';
import { formatTable, type SectionResult, writeReport } from './lib/report.js';
import { startService } from './lib/service.js';
import { type Context, SERVICE_WORKERS, selectSections } from './sections/table.js';

/** A value made on first use, and the same promise after. */
function lazy<T>(make: () => Promise<T>): { get: () => Promise<T>; started: () => Promise<T> | null } {
  let value: Promise<T> | null = null;
  return {
    get: () => {
      value ??= make();
      return value;
    },
    started: () => value,
  };
}

function positiveInteger(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${flag}: got ${text}; allowed: an integer >= 1`);
  return value;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      out: { type: 'string', default: '.bench/results.json' },
      backends: { type: 'string', default: 'wasm,cpu,tensorflow' },
      'no-torch': { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      'ingest-blocks': { type: 'string' },
      'memn2n-task': { type: 'string', default: '1' },
    },
  });
  const sections = selectSections(values.only);
  const postgres = lazy(openPostgres);
  const profileDir = resolve(`.bench/profiles/${new Date().toISOString().replace(/[:.]/g, '-')}`);
  const service = lazy(async () =>
    startService(await postgres.get(), {
      workers: SERVICE_WORKERS,
      // 200 watchers on loopback are one client to the per-client stream limit (default 100).
      env: { GRADNOISE_MAX_STREAMS_PER_CLIENT: '1000' },
      ...(values.profile ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] } : {}),
    }),
  );
  const context: Context = {
    quick: values.quick,
    ingestBlocks:
      values['ingest-blocks'] === undefined
        ? undefined
        : positiveInteger('--ingest-blocks', values['ingest-blocks']),
    memn2nTask: positiveInteger('--memn2n-task', values['memn2n-task']),
    backends: values.backends.split(',').map((b) => b.trim()),
    torch: !values['no-torch'],
    rounds: values.rounds === undefined ? undefined : positiveInteger('--rounds', values.rounds),
    postgres: postgres.get,
    service: service.get,
  };
  const machine = describeMachine();
  const args = process.argv.slice(2).join(' ');
  const command = args === '' ? 'npm run bench' : `npm run bench -- ${args}`;
  const startedAt = new Date().toISOString();
  console.log(`${command}\n${formatMachine(machine)}\nload average at start ${loadAverage().join(' ')}\n`);
  const results: SectionResult[] = [];
  for (const section of sections) {
    const loadStart = loadAverage();
    const t0 = performance.now();
    console.log(`## ${section.name}: ${section.title}`);
    let result: SectionResult;
    try {
      const outcome = await section.run(context);
      result = {
        ...outcome,
        name: section.name,
        title: section.title,
        loadStart,
        loadEnd: loadAverage(),
        seconds: (performance.now() - t0) / 1000,
      };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      result = {
        rows: [],
        data: {},
        error: message,
        name: section.name,
        title: section.title,
        loadStart,
        loadEnd: loadAverage(),
        seconds: (performance.now() - t0) / 1000,
      };
    }
    results.push(result);
    console.log(
      `${formatTable([result])}\nload average ${result.loadStart.join(' ')} → ${result.loadEnd.join(' ')}, ${result.seconds.toFixed(0)} s\n`,
    );
  }
  // The shared service and PostgreSQL: stopped here, or the children would keep this process alive.
  const shared = await service.started()?.catch(() => null);
  await shared?.stop();
  await (await postgres.started()?.catch(() => null))?.stop();
  let serviceProfile: ProfileSummary | null = null;
  if (values.profile && shared !== undefined && shared !== null) {
    const profile = await mainThreadProfile(profileDir);
    if (profile !== null) {
      serviceProfile = summarizeProfile(profile);
      console.log(
        `service event loop, busy ${Math.round(serviceProfile.busyMs)} ms outside start-up: ${formatShares(serviceProfile)}\n` +
          `(profiles of every thread in ${profileDir})\n`,
      );
    }
  }
  console.log(
    `# Summary (${command})\n${formatMachine(machine)}\nload average at end ${loadAverage().join(' ')}\n`,
  );
  console.log(formatTable(results));
  await writeReport(values.out, {
    command,
    startedAt,
    quick: values.quick,
    machine,
    sections: results,
    ...(serviceProfile === null ? {} : { serviceProfile }),
  });
  console.log(`\nwrote ${values.out}`);
  return results.some((r) => r.error !== undefined) ? 1 : 0;
}

// Exit explicitly: a library handle left open (a pool, a timer) must not keep a finished run alive.
process.exit(await main());
