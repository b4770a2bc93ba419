/**
 * The last step of `scripts/gpu-check.sh`: gathers the machine's facts and the pieces the other
 * steps left in `--dir`, and writes the one JSON file (`report.ts`), then prints its goals.
 *
 *   tsx bench/gpu-check/write-report.ts --dir <pieces> --out gpu-check.json --started-at <ISO>
 *       --seconds <n> [--software]
 *
 * Pieces: `adapter.json` (`adapter.ts`), `step.json` (the bench's results file),
 * `neural-gpu-webgpu.json` and `neural-gpu-wasm.json` (`neural-gpu.ts`). A step that did not run
 * or failed leaves `<piece>.error` instead, one line of why; a piece with neither is reported as
 * missing. `neural-gpu-wasm.timeout` holds the limit (seconds) a wasm run hit before its first step
 * finished, which bounds the speedup from below.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type AdapterProbe,
  buildGpuCheckReport,
  type MachineFacts,
  type NeuralGpuTiming,
  type Piece,
  type StepData,
} from './report.js';

/** The folders the Vulkan loader reads ICD manifests from (an NVIDIA driver installs `nvidia_icd.json`). */
const ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d'];

function command(file: string, args: readonly string[]): string | null {
  try {
    const out = execFileSync(file, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 20_000,
    });
    return out.trim() === '' ? null : out.trim();
  } catch {
    return null;
  }
}

function icdFiles(): Record<string, string[]> {
  return Object.fromEntries(
    ICD_DIRS.map((dir) => [
      dir,
      existsSync(dir)
        ? readdirSync(dir)
            .filter((f) => f.endsWith('.json'))
            .sort()
        : [],
    ]),
  );
}

/** `<name>.json` parsed by `read`, or `<name>.error`'s reason, or "missing". */
function piece<T>(dir: string, name: string, read: (json: unknown) => T): Piece<T> {
  const file = join(dir, `${name}.json`);
  const error = join(dir, `${name}.error`);
  if (existsSync(error)) return { ok: false, reason: readFileSync(error, 'utf8').trim() };
  if (!existsSync(file)) return { ok: false, reason: `${name}: no result (the step did not finish)` };
  try {
    return { ok: true, value: read(JSON.parse(readFileSync(file, 'utf8'))) };
  } catch (cause) {
    return { ok: false, reason: `${name}: ${cause instanceof Error ? cause.message : String(cause)}` };
  }
}

/** The step section's data from the bench's results file. */
function stepData(json: unknown): StepData {
  const sections = (json as { sections?: { name: string; data: unknown; error?: string }[] }).sections ?? [];
  const step = sections.find((s) => s.name === 'step');
  if (step === undefined) throw new Error('no step section in the results');
  if (step.error !== undefined) throw new Error(step.error);
  const data = step.data as StepData & { readonly skipped?: readonly string[] };
  if (data.arms.length === 0) throw new Error(`no arm ran: ${(data.skipped ?? []).join('; ')}`);
  return data;
}

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    out: { type: 'string', default: 'gpu-check.json' },
    'started-at': { type: 'string', default: new Date().toISOString() },
    seconds: { type: 'string', default: '0' },
    software: { type: 'boolean', default: false },
  },
});
if (values.dir === undefined) throw new Error('--dir: required');
const dir = values.dir;
const machine: MachineFacts = {
  commit:
    process.env.GRADNOISE_COMMIT ??
    command('git', ['rev-parse', 'HEAD']) ??
    'unknown (no git; set GRADNOISE_COMMIT)',
  hostname: hostname(),
  startedAt: values['started-at'],
  nvidiaSmi: command('nvidia-smi', ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader']),
  icdFiles: icdFiles(),
  vkIcdFilenames: process.env.VK_ICD_FILENAMES ?? null,
  softwareMode: values.software,
  notes: (process.env.GRADNOISE_GPU_CHECK_NOTES ?? '')
    .split(';')
    .map((n) => n.trim())
    .filter((n) => n !== ''),
};
const timeout = join(dir, 'neural-gpu-wasm.timeout');
const timing = (json: unknown): NeuralGpuTiming => json as NeuralGpuTiming;
const report = buildGpuCheckReport({
  machine,
  adapter: piece(dir, 'adapter', (json) => json as AdapterProbe),
  step: piece(dir, 'step', stepData),
  neuralGpu: {
    webgpu: piece(dir, 'neural-gpu-webgpu', timing),
    wasm: piece(dir, 'neural-gpu-wasm', timing),
    ...(existsSync(timeout) ? { wasmTimedOutAfterS: Number(readFileSync(timeout, 'utf8')) } : {}),
  },
  seconds: Number(values.seconds),
});
writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
console.log(
  JSON.stringify({ gpuReachable: report.gpuReachable, reason: report.reason, goals: report.goals }, null, 2),
);
console.log(`wrote ${values.out}`);
