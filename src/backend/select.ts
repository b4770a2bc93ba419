import * as tf from '@tensorflow/tfjs';
import { AppError, invalidArgument } from '../core/index.js';

/**
 * Chooses the tfjs backend of the current thread. tfjs keeps its engine per thread, so every worker
 * thread calls this once for itself.
 *
 * With `auto` the candidates are tried in this order, the first that loads wins:
 *
 * 1. `@tensorflow/tfjs-node-gpu` (reported as `tensorflow-gpu`): libtensorflow with CUDA;
 * 2. `@tensorflow/tfjs-node` (`tensorflow`): libtensorflow on the CPU;
 * 3. `@tensorflow/tfjs-backend-wasm` (`wasm`): XNNPACK with SIMD, single-threaded under Node;
 * 4. the pure-JavaScript `cpu` backend, which is built into tfjs and always loads.
 *
 * Both node packages are optional dependencies whose install downloads libtensorflow; where that is
 * blocked they are absent, or present without their native binding, and the import fails: the
 * expected path on such machines. Each rejected candidate is returned with the reason, so the
 * caller can log why it fell back.
 *
 * Any other preference names one backend (`tensorflow` = either node package, GPU first) and fails
 * if it cannot load, rather than silently running somewhere the operator did not ask for.
 */
export type BackendPreference = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

export const BACKEND_PREFERENCES: readonly BackendPreference[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

/** A backend that could not be used, and why. */
export interface RejectedBackend {
  readonly name: string;
  readonly reason: string;
}

export interface BackendSelection {
  /** The backend in use: `tensorflow-gpu`, `tensorflow`, `wasm` or `cpu`. */
  readonly name: string;
  /** The tfjs registry name it runs under (`tf.getBackend()`). */
  readonly tfjsName: string;
  /** Candidates tried before it, in order. */
  readonly rejected: readonly RejectedBackend[];
}

export interface SelectBackendOptions {
  /** Loads a package; tests replace it to simulate a missing one. Default: dynamic `import()`. */
  readonly importModule?: (specifier: string) => Promise<unknown>;
}

interface Candidate {
  readonly name: string;
  readonly tfjsName: string;
  /** Package registering the backend; null when tfjs bundles it. */
  readonly specifier: string | null;
}

const CANDIDATES: readonly Candidate[] = [
  { name: 'tensorflow-gpu', tfjsName: 'tensorflow', specifier: '@tensorflow/tfjs-node-gpu' },
  { name: 'tensorflow', tfjsName: 'tensorflow', specifier: '@tensorflow/tfjs-node' },
  { name: 'wasm', tfjsName: 'wasm', specifier: '@tensorflow/tfjs-backend-wasm' },
  { name: 'cpu', tfjsName: 'cpu', specifier: null },
];

const CANDIDATES_BY_PREFERENCE: Readonly<Record<BackendPreference, readonly string[]>> = {
  auto: ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'],
  tensorflow: ['tensorflow-gpu', 'tensorflow'],
  wasm: ['wasm'],
  cpu: ['cpu'],
};

// A variable specifier keeps TypeScript from resolving packages that may not be installed.
const defaultImport = (specifier: string): Promise<unknown> => import(specifier);

function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}

/**
 * Imports a backend package; if the import fails, undoes the kernel and backend registrations it
 * made first. A tfjs-node package installed without its native binding (its download blocked)
 * registers its kernels before it fails to load the binding; left in place, they would shadow the
 * next package's kernels and make it print one "already registered" warning per kernel.
 */
async function importCleanly(
  specifier: string,
  tfjsName: string,
  importModule: (s: string) => Promise<unknown>,
): Promise<void> {
  const kernelsBefore = new Set(tf.getKernelsForBackend(tfjsName).map((k) => k.kernelName));
  const backendBefore = tf.findBackendFactory(tfjsName) !== null;
  try {
    await importModule(specifier);
  } catch (error) {
    for (const { kernelName } of tf.getKernelsForBackend(tfjsName)) {
      if (!kernelsBefore.has(kernelName)) tf.unregisterKernel(kernelName, tfjsName);
    }
    if (!backendBefore && tf.findBackendFactory(tfjsName) !== null) tf.removeBackend(tfjsName);
    throw error;
  }
}

async function tryCandidate(
  candidate: Candidate,
  importModule: (s: string) => Promise<unknown>,
): Promise<void> {
  if (candidate.specifier !== null)
    await importCleanly(candidate.specifier, candidate.tfjsName, importModule);
  if (!(await tf.setBackend(candidate.tfjsName))) {
    throw new Error(`tf.setBackend('${candidate.tfjsName}') returned false`);
  }
  await tf.ready();
}

/**
 * Selects and initialises the backend of this thread (see the module docs for the order). Throws
 * `INVALID_ARGUMENT` for an unknown preference and `FAILED_PRECONDITION` when a named backend cannot
 * load, with every reason in the message.
 */
export async function selectBackend(
  preference: BackendPreference = 'auto',
  options: SelectBackendOptions = {},
): Promise<BackendSelection> {
  const names = CANDIDATES_BY_PREFERENCE[preference];
  if (names === undefined) throw invalidArgument('backend', preference, BACKEND_PREFERENCES.join(', '));
  const importModule = options.importModule ?? defaultImport;
  const rejected: RejectedBackend[] = [];
  for (const candidate of CANDIDATES.filter((c) => names.includes(c.name))) {
    try {
      await tryCandidate(candidate, importModule);
      return { name: candidate.name, tfjsName: candidate.tfjsName, rejected };
    } catch (error) {
      rejected.push({ name: candidate.name, reason: reasonOf(error) });
    }
  }
  const reasons = rejected.map((r) => `${r.name}: ${r.reason}`).join('; ');
  throw new AppError('FAILED_PRECONDITION', `backend ${preference} is unavailable (${reasons})`);
}
