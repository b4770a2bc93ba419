import { describe, expect, it } from 'vitest';
import {
  adapterDescription,
  BACKEND_TIERS,
  type BackendDriver,
  type BackendFacts,
  type BackendName,
  type BackendPreference,
  candidatesFor,
  describeAdapter,
  isSoftwareAdapter,
  walkBackends,
} from '../../../src/backend/index.js';

/** What a machine offers: per candidate, its facts before and after starting it, or why it fails. */
interface Machine {
  readonly inspect?: Partial<Record<BackendName, BackendFacts>>;
  readonly activate?: Partial<Record<BackendName, BackendFacts | Error>>;
}

/** A driver over a description of the machine; records what was started and released. */
function driverFor(machine: Machine): BackendDriver & { started: BackendName[]; released: BackendName[] } {
  const started: BackendName[] = [];
  const released: BackendName[] = [];
  return {
    started,
    released,
    inspect: async (c) => machine.inspect?.[c] ?? {},
    async activate(c) {
      const outcome = machine.activate?.[c] ?? {};
      if (outcome instanceof Error) throw outcome;
      started.push(c);
      return outcome;
    },
    async release(c) {
      released.push(c);
    },
  };
}

const missing = (pkg: string): Error => new Error(`Cannot find package '${pkg}'\nstack line`);
const RTX = adapterDescription({ vendor: 'nvidia', architecture: 'ada', description: 'NVIDIA RTX 4090' });
const LAVAPIPE = adapterDescription({
  vendor: 'mesa',
  architecture: 'software',
  description: 'llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)',
  isFallbackAdapter: true,
});
const NO_NATIVE: BackendFacts = { unavailable: 'the native addon is not built (no native/build/…)' };
/** A CPU machine: no node packages, no GPU adapter, no native addon. */
const CPU_ONLY: Machine = {
  inspect: {
    webgpu: { unavailable: 'no WebGPU adapter (Dawn: Couldn’t load Vulkan)' },
    native: NO_NATIVE,
  },
  activate: {
    'tensorflow-gpu': missing('@tensorflow/tfjs-node-gpu'),
    tensorflow: missing('@tensorflow/tfjs-node'),
  },
};

describe('the backend order', () => {
  it('is GPU, then fast CPU, then wasm, then cpu, in one list', () => {
    expect(BACKEND_TIERS.map((t) => t.tier)).toEqual(['gpu', 'fast-cpu', 'wasm', 'cpu']);
    expect(candidatesFor('auto')).toEqual([
      'webgpu',
      'tensorflow-gpu',
      'tensorflow',
      'native',
      'wasm',
      'cpu',
    ]);
    expect(candidatesFor('native')).toEqual(['native']);
    expect(candidatesFor('tensorflow')).toEqual(['tensorflow-gpu', 'tensorflow']);
    expect(candidatesFor('webgpu')).toEqual(['webgpu']);
    expect(() => candidatesFor('gpu' as BackendPreference)).toThrow(
      'backend: got "gpu"; allowed: auto, webgpu, tensorflow, native, wasm, cpu',
    );
  });

  it('takes webgpu first on a real GPU adapter', async () => {
    const driver = driverFor({ inspect: { webgpu: { adapter: RTX } } });
    const decision = await walkBackends('auto', driver);
    expect(decision).toMatchObject({ name: 'webgpu', candidate: 'webgpu', adapter: RTX, rejected: [] });
    expect(driver.started).toEqual(['webgpu']);
  });

  it('passes a software adapter by under auto without starting it, and says why', async () => {
    const driver = driverFor({ ...CPU_ONLY, inspect: { webgpu: { adapter: LAVAPIPE }, native: NO_NATIVE } });
    const decision = await walkBackends('auto', driver);
    expect(decision.name).toBe('wasm');
    expect(driver.started).toEqual(['wasm']);
    expect(decision.rejected.map((r) => r.name)).toEqual([
      'webgpu',
      'tensorflow-gpu',
      'tensorflow',
      'native',
    ]);
    expect(decision.rejected[0]?.reason).toBe(
      'adapter mesa software: llvmpipe: Mesa 25.0.7 (LLVM 15.0.6) (software adapter): a software adapter is a ' +
        'correctness path, slower than wasm, used only when GRADNOISE_BACKEND=webgpu names it',
    );
    // Only the first line of an error is kept.
    expect(decision.rejected[1]?.reason).toBe("Cannot find package '@tensorflow/tfjs-node-gpu'");
  });

  it('uses a software adapter when webgpu is named', async () => {
    const decision = await walkBackends('webgpu', driverFor({ inspect: { webgpu: { adapter: LAVAPIPE } } }));
    expect(decision).toMatchObject({ name: 'webgpu', adapter: { software: true } });
  });

  it('fails a named webgpu with the adapter reason, and never falls back', async () => {
    const driver = driverFor(CPU_ONLY);
    await expect(walkBackends('webgpu', driver)).rejects.toMatchObject({
      code: 'FAILED_PRECONDITION',
      message: 'backend webgpu is unavailable (webgpu: no WebGPU adapter (Dawn: Couldn’t load Vulkan))',
    });
    expect(driver.started).toEqual([]);
  });

  it('reports tfjs-node-gpu on the CPU as tensorflow, with a note', async () => {
    const machine: Machine = {
      ...CPU_ONLY,
      activate: { 'tensorflow-gpu': { usingGpuDevice: false } },
    };
    for (const preference of ['auto', 'tensorflow'] as const) {
      const decision = await walkBackends(preference, driverFor(machine));
      expect(decision.name).toBe('tensorflow');
      expect(decision.candidate).toBe('tensorflow-gpu');
      expect(decision.notes).toEqual([expect.stringMatching(/^tfjs-node-gpu found no usable GPU device/)]);
    }
  });

  it('reports tensorflow-gpu only when it uses a GPU device', async () => {
    const machine: Machine = { ...CPU_ONLY, activate: { 'tensorflow-gpu': { usingGpuDevice: true } } };
    const decision = await walkBackends('auto', driverFor(machine));
    expect(decision).toMatchObject({ name: 'tensorflow-gpu', notes: [] });
  });

  it('prefers a real GPU adapter over tensorflow-gpu, and tensorflow over wasm', async () => {
    const both: Machine = {
      inspect: { webgpu: { adapter: RTX } },
      activate: { 'tensorflow-gpu': { usingGpuDevice: true } },
    };
    expect((await walkBackends('auto', driverFor(both))).name).toBe('webgpu');
    const cpuNode: Machine = {
      ...CPU_ONLY,
      activate: { 'tensorflow-gpu': missing('@tensorflow/tfjs-node-gpu') },
    };
    expect((await walkBackends('auto', driverFor(cpuNode))).name).toBe('tensorflow');
  });

  it('takes native after tensorflow and before wasm when its addon loads; else wasm, saying why', async () => {
    const withAddon: Machine = { ...CPU_ONLY, inspect: { webgpu: CPU_ONLY.inspect?.webgpu ?? {} } };
    const driver = driverFor(withAddon);
    expect(await walkBackends('auto', driver)).toMatchObject({ name: 'native', candidate: 'native' });
    expect(driver.started).toEqual(['native']);
    const withNode: Machine = { ...withAddon, activate: {} };
    expect((await walkBackends('auto', driverFor(withNode))).name).toBe('tensorflow-gpu');
    const without = await walkBackends('auto', driverFor(CPU_ONLY));
    expect(without.name).toBe('wasm');
    expect(without.rejected.at(-1)).toEqual({ name: 'native', reason: NO_NATIVE.unavailable });
    await expect(walkBackends('native', driverFor(CPU_ONLY))).rejects.toMatchObject({
      code: 'FAILED_PRECONDITION',
      message: `backend native is unavailable (native: ${NO_NATIVE.unavailable})`,
    });
  });

  it('moves on when a candidate fails to start, and releases nothing it did not start', async () => {
    const machine: Machine = {
      inspect: { webgpu: { adapter: RTX }, native: NO_NATIVE },
      activate: {
        ...CPU_ONLY.activate,
        webgpu: new Error("tf.setBackend('webgpu') returned false: device lost"),
      },
    };
    const driver = driverFor(machine);
    const decision = await walkBackends('auto', driver);
    expect(decision.name).toBe('wasm');
    expect(decision.rejected[0]).toEqual({
      name: 'webgpu',
      reason: "tf.setBackend('webgpu') returned false: device lost",
    });
    expect(driver.released).toEqual([]);
  });
});

describe('software adapters', () => {
  it('are recognised by the fallback flag or by their words', () => {
    expect(isSoftwareAdapter({ isFallbackAdapter: true })).toBe(true);
    expect(isSoftwareAdapter({ architecture: 'software' })).toBe(true);
    expect(isSoftwareAdapter({ description: 'llvmpipe (LLVM 15.0.6, 256 bits)' })).toBe(true);
    expect(isSoftwareAdapter({ device: 'SwiftShader Device (Subzero)' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H100' })).toBe(
      false,
    );
  });

  it('are named in one line, marked as software', () => {
    expect(describeAdapter(LAVAPIPE)).toBe(
      'mesa software: llvmpipe: Mesa 25.0.7 (LLVM 15.0.6) (software adapter)',
    );
    expect(describeAdapter(RTX)).toBe('nvidia ada: NVIDIA RTX 4090');
    expect(describeAdapter(adapterDescription({}))).toBe('unnamed adapter');
  });
});
