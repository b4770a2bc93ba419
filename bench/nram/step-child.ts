/**
 * The NRAM arms of the `nram` bench section, as a long-lived child (see `bench/lib/line-child.ts`):
 * the real `nram` trainer step on tfjs wasm (one thread under Node), per config of
 * `NRAM_BENCH_CONFIGS` with and without noise (`bench/nram/arms.ts`), and the same arms on the
 * `native` backend (the addon's step, `native/nram.c`; the optimizer still on tfjs wasm), named
 * `… native`, when the addon loads. A step is what the worker loop does per step: `trainStep`,
 * then `readMetrics` (which downloads the loss).
 *
 * Protocol: prints `{"ready":true,"backend":…,"native":null or why not,"arms":[…]}`; then for each
 * `{"cmd":"run","arm":a,"steps":n}` runs n steps of arm a and prints
 * `{"arm","steps","wallMs","cpuMs","addonMs","loss"}` (addonMs: inside the addon's step, native arms); `{"cmd":"quit"}` ends.
 *
 *   tsx bench/nram/step-child.ts
 */
import { createInterface } from 'node:readline';
import { loadNativeKernels, type NativeKernels, selectBackend } from '../../src/backend/index.js';
import type { NramKernels } from '../../src/core/index.js';
import { readMetrics } from '../../src/runs/worker/state.js';
import { createNramArm, disposeNramArm, NRAM_BENCH_CONFIGS, NRAM_BENCH_ETAS, type NramArm } from './arms.js';

/** Milliseconds spent inside the addon's `nramRun` since the block began (native arms only). */
let addonMs = 0;

/** The addon's NRAM functions with `nramRun` timed into {@link addonMs}. */
function timed(kernels: NramKernels): NramKernels {
  return {
    nramWorkspaceLength: (shape) => kernels.nramWorkspaceLength(shape),
    nramRun: (...args) => {
      const start = performance.now();
      try {
        return kernels.nramRun(...args);
      } finally {
        addonMs += performance.now() - start;
      }
    },
  };
}

const say = (message: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(message)}\n`);
};

async function run(
  arm: NramArm,
  steps: number,
): Promise<{ wallMs: number; cpuMs: number; addonMs: number; loss: number }> {
  let loss = Number.NaN;
  addonMs = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < steps; i += 1) {
    loss = (await readMetrics(arm.session.trainStep(arm.step))).get('loss') ?? Number.NaN;
    arm.step += 1;
  }
  const wallMs = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000, addonMs, loss };
}

async function main(): Promise<void> {
  const arms = new Map<string, NramArm>();
  try {
    // `native` is tfjs wasm plus the addon: one process holds both kinds of arm.
    let kernels: NativeKernels | null = null;
    let nativeMissing: string | null = null;
    try {
      await selectBackend('native');
      kernels = loadNativeKernels();
    } catch (error) {
      nativeMissing = error instanceof Error ? error.message : String(error);
      await selectBackend('wasm');
    }
    for (const [config, c] of Object.entries(NRAM_BENCH_CONFIGS)) {
      for (const [noise, eta] of Object.entries(NRAM_BENCH_ETAS)) {
        arms.set(`${config} ${noise}`, await createNramArm(c, eta, 'wasm'));
        if (kernels !== null)
          arms.set(`${config} ${noise} native`, await createNramArm(c, eta, 'native', timed(kernels)));
      }
    }
    say({ ready: true, backend: 'wasm', native: nativeMissing, arms: [...arms.keys()] });
  } catch (error) {
    say({ ready: false, error: error instanceof Error ? error.message : String(error) });
    return;
  }
  for await (const line of createInterface({ input: process.stdin })) {
    const message = JSON.parse(line) as { cmd: string; arm?: string; steps?: number };
    if (message.cmd === 'quit') break;
    const arm = arms.get(message.arm ?? '');
    if (message.cmd !== 'run' || arm === undefined || !Number.isInteger(message.steps)) {
      say({ error: `bad request ${line}; arms: ${[...arms.keys()].join(', ')}` });
      continue;
    }
    say({ arm: message.arm, steps: message.steps, ...(await run(arm, message.steps as number)) });
  }
  for (const arm of arms.values()) disposeNramArm(arm);
  process.exit(0);
}

await main();
