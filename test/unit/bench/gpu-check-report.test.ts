import { describe, expect, it } from 'vitest';
import {
  type AdapterProbe,
  buildGpuCheckReport,
  type GpuCheckInputs,
  gpuUnreachable,
  type MachineFacts,
  type NeuralGpuTiming,
  STEP_RATIOS,
  type StepData,
} from '../../../bench/gpu-check/report.js';

/**
 * The JSON of `scripts/gpu-check.sh` (bench/gpu-check/report.ts): whether WebGPU reaches the GPU
 * and why not, and the ratios against issue 20's goals, judged only on a real GPU.
 */

const H100: MachineFacts = {
  commit: 'abc123',
  hostname: 'gpu-1',
  startedAt: '2026-12-06T08:00:00Z',
  nvidiaSmi: 'NVIDIA H100 80GB HBM3, 550.54.15, 81559 MiB',
  icdFiles: { '/usr/share/vulkan/icd.d': [], '/etc/vulkan/icd.d': ['nvidia_icd.json'] },
  vkIcdFilenames: null,
  softwareMode: false,
  notes: [],
};
const NVIDIA: AdapterProbe = {
  ok: true,
  device: 'nvidia hopper: NVIDIA H100 80GB HBM3',
  software: false,
  adapter: {
    vendor: 'nvidia',
    architecture: 'hopper',
    description: 'NVIDIA H100 80GB HBM3',
    software: false,
  },
};
const LAVAPIPE: AdapterProbe = {
  ok: true,
  device: 'mesa software: llvmpipe (software adapter)',
  software: true,
};

function timing(backend: string, msPerStep: number): NeuralGpuTiming {
  return {
    backend,
    device: backend,
    software: false,
    config: { maps: 128 },
    stepMs: [msPerStep],
    msPerStep,
    losses: [1],
  };
}

function step(ratios: Record<string, number>): StepData {
  return {
    arms: [
      { label: 'tfjs webgpu noisy', medianWallMs: 3 },
      { label: 'tfjs wasm noisy', medianWallMs: 6 },
    ],
    ratios: Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, { medianWall: v }])),
  };
}

function inputs(overrides: Partial<GpuCheckInputs> = {}): GpuCheckInputs {
  return {
    machine: H100,
    adapter: { ok: true, value: NVIDIA },
    step: {
      ok: true,
      value: step({
        [STEP_RATIOS.webgpuOverWasm]: 0.5,
        [STEP_RATIOS.noisePhilox]: 1.02,
        [STEP_RATIOS.noiseBoxMuller]: 1.2,
      }),
    },
    neuralGpu: {
      webgpu: { ok: true, value: timing('webgpu', 500) },
      wasm: { ok: true, value: timing('wasm', 90_000) },
    },
    seconds: 400,
    ...overrides,
  };
}

type Goals = Record<string, { value: number | null; met: boolean | null; atLeast?: true }>;
const goals = (report: Record<string, unknown>): Goals => report.goals as Goals;

describe('the gpu-check report', () => {
  it('judges every goal on a real GPU, with the device and the commit', () => {
    const report = buildGpuCheckReport(inputs());
    expect(report).toMatchObject({ commit: 'abc123', gpuReachable: true, softwareMode: false });
    expect(report).not.toHaveProperty('reason');
    expect(report).not.toHaveProperty('correctnessOnly');
    expect(report.device).toMatchObject({ nvidiaSmi: H100.nvidiaSmi, adapter: NVIDIA });
    expect(goals(report)).toMatchObject({
      neuralGpuSpeedupOverWasm: { value: 180, met: true },
      mlpStepWebgpuOverWasm: { value: 0.5, met: true },
      noiseOverheadWebgpuPhilox: { value: 1.02, met: true },
      noiseOverheadWebgpuBoxMuller: { value: 1.2, met: false },
    });
    expect(report.mlpStep).toMatchObject({ msPerStep: { webgpuNoisy: 3, wasmNoisy: 6, webgpuPlain: null } });
  });

  it('reports a missed goal as missed', () => {
    const slow = inputs({
      neuralGpu: {
        webgpu: { ok: true, value: timing('webgpu', 20_000) },
        wasm: { ok: true, value: timing('wasm', 90_000) },
      },
    });
    expect(goals(buildGpuCheckReport(slow)).neuralGpuSpeedupOverWasm).toMatchObject({
      value: 4.5,
      met: false,
    });
  });

  it('bounds the speedup from below when the wasm step ran out of time, and never calls that missed', () => {
    const timedOut = (webgpuMs: number) =>
      goals(
        buildGpuCheckReport(
          inputs({
            neuralGpu: {
              webgpu: { ok: true, value: timing('webgpu', webgpuMs) },
              wasm: { ok: false, reason: 'neural-gpu-wasm: timed out after 200 s' },
              wasmTimedOutAfterS: 200,
            },
          }),
        ),
      ).neuralGpuSpeedupOverWasm;
    expect(timedOut(1000)).toEqual(expect.objectContaining({ value: 200, atLeast: true, met: true }));
    expect(timedOut(40_000)).toEqual(expect.objectContaining({ value: 5, atLeast: true, met: null }));
  });

  it('says plainly why WebGPU does not reach the GPU, and still reports', () => {
    const computeOnly = { ...H100, icdFiles: { '/usr/share/vulkan/icd.d': [], '/etc/vulkan/icd.d': [] } };
    const report = buildGpuCheckReport(
      inputs({
        machine: computeOnly,
        adapter: { ok: true, value: LAVAPIPE },
        step: { ok: false, reason: 'step: skipped, WebGPU does not reach a GPU' },
        neuralGpu: { webgpu: { ok: false, reason: 'skipped' }, wasm: { ok: false, reason: 'skipped' } },
      }),
    );
    expect(report.gpuReachable).toBe(false);
    expect(report.reason).toMatch(/^only a software adapter \(mesa software: llvmpipe/);
    expect(report.reason).toMatch(
      /nvidia-smi: NVIDIA H100.*no nvidia_icd\.json in \/usr\/share\/vulkan\/icd\.d or \/etc\/vulkan\/icd\.d/,
    );
    expect(Object.values(goals(report)).map((g) => g.met)).toEqual([null, null, null, null]);
    expect(report.mlpStep).toMatchObject({ error: 'step: skipped, WebGPU does not reach a GPU' });
  });

  it('names the missing adapter, and accepts lavapipe only in --software mode, judging nothing', () => {
    const none = gpuUnreachable(H100, {
      ok: true,
      value: { ok: false, reason: "Dawn: Couldn't load Vulkan" },
    });
    expect(none).toBe(
      "no WebGPU adapter (Dawn: Couldn't load Vulkan); nvidia-smi: NVIDIA H100 80GB HBM3, 550.54.15, 81559 MiB",
    );
    expect(gpuUnreachable(H100, { ok: false, reason: 'adapter: timed out after 60 s' })).toMatch(
      /probe failed: .*timed out/,
    );
    const software = buildGpuCheckReport(
      inputs({ machine: { ...H100, softwareMode: true }, adapter: { ok: true, value: LAVAPIPE } }),
    );
    expect(software).toMatchObject({ gpuReachable: true, softwareMode: true });
    expect(software.correctnessOnly).toMatch(/no goal is judged/);
    expect(Object.values(goals(software)).map((g) => g.met)).toEqual([null, null, null, null]);
    expect(goals(software).neuralGpuSpeedupOverWasm?.value).toBe(180);
  });
});
