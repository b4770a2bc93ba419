/**
 * The one JSON file `scripts/gpu-check.sh` writes, built from the pieces its steps leave behind:
 * what the machine has (NVIDIA driver, Vulkan ICD files), the WebGPU adapter tfjs reached, the MLP
 * step benchmark (`npm run bench -- --only step`) and the Neural GPU driver (`neural-gpu.ts`) on
 * webgpu and wasm. Pure: the pieces come in as parsed values, so the logic is tested without a GPU.
 *
 * Goals (issue 20 §4), each reported as `{ value, goal, met }`, `met` null where it cannot be judged:
 *   - the Neural GPU at paper size at least 10× faster per step on webgpu than on wasm;
 *   - the MLP step on webgpu at most as long as on wasm (noisy / noisy, paired median);
 *   - noise overhead on webgpu at most 3 % of the step (noisy / plain ≤ 1.03), judged on the
 *     `philox` generator (drawn on the device), `box-muller` reported beside it.
 * On a software adapter (lavapipe) or in `--software` mode the figures are a correctness run:
 * `met` stays null and `correctnessOnly` says why.
 */

/** What `adapter.ts` found. */
export type AdapterProbe =
  | {
      readonly ok: true;
      readonly device: string;
      readonly software: boolean;
      readonly adapter?: {
        readonly vendor: string;
        readonly architecture: string;
        readonly description: string;
        readonly software: boolean;
      };
    }
  | { readonly ok: false; readonly reason: string };

/** What `neural-gpu.ts` measured on one backend. */
export interface NeuralGpuTiming {
  readonly backend: string;
  readonly device: string;
  readonly software: boolean;
  readonly config: Readonly<Record<string, number | string>>;
  /** Milliseconds of each timed step, in order; the first includes kernel compilation. */
  readonly stepMs: readonly number[];
  /** Median of the steps after the first (the first alone when only one ran). */
  readonly msPerStep: number;
  readonly losses: readonly number[];
  /** Why fewer steps ran than asked, if they did (the time budget). */
  readonly note?: string;
}

/** The machine facts the shell script gathers. */
export interface MachineFacts {
  readonly commit: string;
  readonly hostname: string;
  readonly startedAt: string;
  /** `nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader`, or null. */
  readonly nvidiaSmi: string | null;
  /** JSON files found in each Vulkan ICD folder (`/usr/share/vulkan/icd.d`, `/etc/vulkan/icd.d`). */
  readonly icdFiles: Readonly<Record<string, readonly string[]>>;
  /** `VK_ICD_FILENAMES` when set (lavapipe's in software mode). */
  readonly vkIcdFilenames: string | null;
  /** `--software`: lavapipe and tiny sizes allowed; a correctness run. */
  readonly softwareMode: boolean;
  /** What the script did to reach the GPU (a packed Vulkan loader, an ICD file it wrote). */
  readonly notes: readonly string[];
}

/** A step's outcome: its value, or why it has none. */
export type Piece<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: string };

export interface GpuCheckInputs {
  readonly machine: MachineFacts;
  readonly adapter: Piece<AdapterProbe>;
  /** The `step` section's `data` from the bench's results file. */
  readonly step: Piece<StepData>;
  readonly neuralGpu: {
    readonly webgpu: Piece<NeuralGpuTiming>;
    readonly wasm: Piece<NeuralGpuTiming>;
    /** The limit a wasm run hit before its first step finished: that step took at least this long. */
    readonly wasmTimedOutAfterS?: number;
  };
  /** Wall seconds of the whole script. */
  readonly seconds: number;
}

/** The fields of the step section's `data` read here (`bench/sections/step.ts`). */
export interface StepData {
  readonly arms: ReadonlyArray<{ readonly label: string; readonly medianWallMs: number }>;
  readonly ratios: Readonly<Record<string, { readonly medianWall: number }>>;
  readonly devices?: ReadonlyArray<{
    readonly backend: string;
    readonly device: string;
    readonly software: boolean;
  }>;
}

export interface Goal {
  readonly value: number | null;
  /** True when `value` is a lower bound (a wasm step that did not finish within its limit). */
  readonly atLeast?: true;
  readonly goal: string;
  /** Null when the value is missing or the run is a correctness run. */
  readonly met: boolean | null;
}

/** The step section's ratio names (`bench/sections/step.ts`). */
export const STEP_RATIOS = {
  webgpuOverWasm: 'tfjs webgpu / tfjs wasm, noisy',
  noiseBoxMuller: 'noise overhead, tfjs webgpu (noisy / plain)',
  noisePhilox: 'noise overhead, tfjs webgpu philox (noisy-philox / plain)',
} as const;

/** Why WebGPU does not reach an NVIDIA GPU here, or null when it does (or in software mode). */
export function gpuUnreachable(machine: MachineFacts, adapter: Piece<AdapterProbe>): string | null {
  const icd = Object.values(machine.icdFiles).flat();
  const nvidiaIcd = icd.some((f) => /nvidia/i.test(f));
  const driver = machine.nvidiaSmi === null ? 'no nvidia-smi' : `nvidia-smi: ${machine.nvidiaSmi}`;
  const missingIcd = nvidiaIcd
    ? ''
    : `; no nvidia_icd.json in ${Object.keys(machine.icdFiles).join(' or ')} (a compute-only driver install has no Vulkan ICD; NVIDIA_DRIVER_CAPABILITIES must include graphics)`;
  if (!adapter.ok) return `the adapter probe failed: ${adapter.reason}`;
  if (!adapter.value.ok) return `no WebGPU adapter (${adapter.value.reason}); ${driver}${missingIcd}`;
  if (adapter.value.software && !machine.softwareMode) {
    return `only a software adapter (${adapter.value.device}); ${driver}${missingIcd}`;
  }
  return null;
}

function goal(value: number | null, text: string, pass: (v: number) => boolean, judge: boolean): Goal {
  const known = value !== null && Number.isFinite(value);
  return { value: known ? value : null, goal: text, met: known && judge ? pass(value) : null };
}

function ratio(step: Piece<StepData>, name: string): number | null {
  return step.ok ? (step.value.ratios[name]?.medianWall ?? null) : null;
}

function reasonOf<T>(piece: Piece<T>): string | null {
  return piece.ok ? null : piece.reason;
}

/** The JSON file: device, timings, ratios against the goals, and the commit. */
export function buildGpuCheckReport(inputs: GpuCheckInputs): Record<string, unknown> {
  const { machine, adapter, step, neuralGpu } = inputs;
  const unreachable = gpuUnreachable(machine, adapter);
  const software = machine.softwareMode || (adapter.ok && adapter.value.ok && adapter.value.software);
  const judge = unreachable === null && !software;
  const webgpu = neuralGpu.webgpu.ok ? neuralGpu.webgpu.value : null;
  const wasm = neuralGpu.wasm.ok ? neuralGpu.wasm.value : null;
  const wasmMs = wasm?.msPerStep ?? (neuralGpu.wasmTimedOutAfterS ?? Number.NaN) * 1000;
  const speedup = webgpu !== null ? wasmMs / webgpu.msPerStep : null;
  const speedupGoal = goal(speedup, '>= 10 (wasm ms/step ÷ webgpu ms/step)', (v) => v >= 10, judge);
  const mlp = ratio(step, STEP_RATIOS.webgpuOverWasm);
  const noisePhilox = ratio(step, STEP_RATIOS.noisePhilox);
  const noiseBoxMuller = ratio(step, STEP_RATIOS.noiseBoxMuller);
  const arm = (label: string): number | null =>
    step.ok ? (step.value.arms.find((a) => a.label === label)?.medianWallMs ?? null) : null;
  return {
    gpuCheck: 1,
    commit: machine.commit,
    startedAt: machine.startedAt,
    seconds: Math.round(inputs.seconds),
    hostname: machine.hostname,
    softwareMode: machine.softwareMode,
    gpuReachable: unreachable === null,
    ...(unreachable === null ? {} : { reason: unreachable }),
    ...(software ? { correctnessOnly: 'software adapter or --software mode: no goal is judged' } : {}),
    device: {
      nvidiaSmi: machine.nvidiaSmi,
      vulkanIcdFiles: machine.icdFiles,
      vkIcdFilenames: machine.vkIcdFilenames,
      notes: machine.notes,
      adapter: adapter.ok ? adapter.value : { ok: false, reason: adapter.reason },
    },
    mlpStep: {
      msPerStep: {
        webgpuPlain: arm('tfjs webgpu plain'),
        webgpuNoisy: arm('tfjs webgpu noisy'),
        webgpuNoisyPhilox: arm('tfjs webgpu noisy-philox'),
        wasmPlain: arm('tfjs wasm plain'),
        wasmNoisy: arm('tfjs wasm noisy'),
      },
      error: reasonOf(step),
    },
    neuralGpu: {
      webgpu,
      wasm,
      errors: { webgpu: reasonOf(neuralGpu.webgpu), wasm: reasonOf(neuralGpu.wasm) },
    },
    goals: {
      // A lower bound can show the goal met, never missed.
      neuralGpuSpeedupOverWasm:
        wasm === null && speedupGoal.value !== null
          ? { ...speedupGoal, atLeast: true, met: speedupGoal.met === true ? true : null }
          : speedupGoal,
      mlpStepWebgpuOverWasm: goal(mlp, '<= 1.00 (webgpu noisy ÷ wasm noisy)', (v) => v <= 1, judge),
      noiseOverheadWebgpuPhilox: goal(noisePhilox, '<= 1.03 (noisy-philox ÷ plain)', (v) => v <= 1.03, judge),
      noiseOverheadWebgpuBoxMuller: goal(noiseBoxMuller, '<= 1.03 (noisy ÷ plain)', (v) => v <= 1.03, judge),
    },
  };
}
