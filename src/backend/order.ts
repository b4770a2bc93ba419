import { AppError, invalidArgument } from '../core/index.js';
import { type AdapterDescription, describeAdapter } from './adapter.js';

/**
 * The backend order, in this one place, and the decisions over it as pure functions of what is
 * available, so they are tested without any backend installed (`walkBackends` takes the loading
 * as functions).
 *
 * `auto` walks the tiers in order and takes the first candidate that loads and passes its check:
 *
 * 1. GPU backends: `webgpu` (Dawn) on a real GPU adapter, then `tensorflow-gpu` (tfjs-node-gpu,
 *    libtensorflow with CUDA) when it really runs on a GPU device;
 * 2. fast CPU paths: `tensorflow` (tfjs-node), then `native` (gradnoise's OpenBLAS addon, which
 *    runs the mlp trainer's dense stack, the neural_gpu trainer's unrolled model and the nram
 *    trainer's unrolled machine in one call per step and leaves the rest to `wasm`) when the addon
 *    is built, loads and passes its start-up check;
 * 3. `wasm` (XNNPACK with SIMD);
 * 4. `cpu`, pure JavaScript, which always loads.
 *
 * The checks:
 * - a software WebGPU adapter (lavapipe, SwiftShader: see `isSoftwareAdapter`) is a correctness
 *   path, far slower than `wasm`: `auto` passes it by, and only `webgpu` named on its own uses it;
 * - tfjs-node-gpu falls back to the CPU without a word when it finds no usable GPU. That is the
 *   same libtensorflow CPU path as `tensorflow`, the next tier's first candidate, so it is kept
 *   but reported as `tensorflow`, with a note saying why.
 *
 * Any other preference names a backend and fails (FAILED_PRECONDITION, every reason in the message)
 * when it cannot load, rather than running somewhere the operator did not ask for.
 */

/** What a backend is reported as, on runs, in logs and metrics. */
export type BackendName = 'webgpu' | 'tensorflow-gpu' | 'tensorflow' | 'native' | 'wasm' | 'cpu';

/** `GRADNOISE_BACKEND`: `auto`, or one backend by name (`tensorflow`: either node package, GPU first). */
export type BackendPreference = 'auto' | 'webgpu' | 'tensorflow' | 'native' | 'wasm' | 'cpu';

export const BACKEND_PREFERENCES: readonly BackendPreference[] = [
  'auto',
  'webgpu',
  'tensorflow',
  'native',
  'wasm',
  'cpu',
];

/** The tiers of `auto`, best first. */
export const BACKEND_TIERS: readonly { readonly tier: string; readonly backends: readonly BackendName[] }[] =
  [
    { tier: 'gpu', backends: ['webgpu', 'tensorflow-gpu'] },
    { tier: 'fast-cpu', backends: ['tensorflow', 'native'] },
    { tier: 'wasm', backends: ['wasm'] },
    { tier: 'cpu', backends: ['cpu'] },
  ];

const AUTO_ORDER: readonly BackendName[] = BACKEND_TIERS.flatMap((t) => t.backends);

const NAMED: Readonly<Record<Exclude<BackendPreference, 'auto'>, readonly BackendName[]>> = {
  webgpu: ['webgpu'],
  tensorflow: ['tensorflow-gpu', 'tensorflow'],
  native: ['native'],
  wasm: ['wasm'],
  cpu: ['cpu'],
};

/** The candidates `preference` tries, in order. Throws INVALID_ARGUMENT for an unknown one. */
export function candidatesFor(preference: BackendPreference): readonly BackendName[] {
  if (preference === 'auto') return AUTO_ORDER;
  const named = NAMED[preference];
  if (named === undefined) throw invalidArgument('backend', preference, BACKEND_PREFERENCES.join(', '));
  return named;
}

/** What is known about a candidate: why it cannot be used, or the facts its check needs. */
export interface BackendFacts {
  /** Set when the candidate cannot be used at all (not installed, no adapter, failed to start). */
  readonly unavailable?: string;
  /** `webgpu`: the adapter Dawn offers. */
  readonly adapter?: AdapterDescription;
  /** `tensorflow-gpu`: the backend's `isUsingGpuDevice` once started. */
  readonly usingGpuDevice?: boolean;
}

/** A candidate that was passed by, and why. */
export interface RejectedBackend {
  readonly name: string;
  readonly reason: string;
}

export type Verdict =
  | { readonly accept: true; readonly name: BackendName; readonly note?: string }
  | { readonly accept: false; readonly reason: string };

/** The check of one candidate given what is known about it; `named`: the operator asked for it. */
export function judge(candidate: BackendName, facts: BackendFacts, named: boolean): Verdict {
  if (facts.unavailable !== undefined) return { accept: false, reason: facts.unavailable };
  if (candidate === 'webgpu' && facts.adapter?.software === true && !named) {
    return {
      accept: false,
      reason:
        `adapter ${describeAdapter(facts.adapter)}: a software adapter is a correctness path, slower ` +
        'than wasm, used only when GRADNOISE_BACKEND=webgpu names it',
    };
  }
  if (candidate === 'tensorflow-gpu' && facts.usingGpuDevice === false) {
    return {
      accept: true,
      name: 'tensorflow',
      note: 'tfjs-node-gpu found no usable GPU device (isUsingGpuDevice is false): it trains on the CPU, reported as tensorflow',
    };
  }
  return { accept: true, name: candidate };
}

/** The outcome of a walk: the backend to report, the candidates passed by, notes to log. */
export interface BackendDecision {
  readonly name: BackendName;
  /** The candidate that was started (differs from `name` for tensorflow-gpu on the CPU). */
  readonly candidate: BackendName;
  readonly adapter?: AdapterDescription;
  readonly rejected: readonly RejectedBackend[];
  readonly notes: readonly string[];
}

/** How a walk learns about and starts candidates (the real loading, or a table in tests). */
export interface BackendDriver {
  /** What is known before starting the candidate (the WebGPU adapter), or why it is unavailable. */
  inspect(candidate: BackendName): Promise<BackendFacts>;
  /** Starts the candidate as this thread's backend and returns what is known only then; throws if it cannot. */
  activate(candidate: BackendName): Promise<BackendFacts>;
  /** Undoes `activate` for a candidate whose check then failed. */
  release(candidate: BackendName): Promise<void>;
}

function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}

/**
 * Walks the candidates of `preference` (see the module docs): each is inspected and judged, then
 * started and judged again with what starting it told. Throws FAILED_PRECONDITION with every
 * reason when none is left.
 */
export async function walkBackends(
  preference: BackendPreference,
  driver: BackendDriver,
): Promise<BackendDecision> {
  const candidates = candidatesFor(preference);
  const named = preference !== 'auto';
  const rejected: RejectedBackend[] = [];
  for (const candidate of candidates) {
    let facts: BackendFacts;
    try {
      facts = await driver.inspect(candidate);
    } catch (error) {
      facts = { unavailable: reasonOf(error) };
    }
    const before = judge(candidate, facts, named);
    if (!before.accept) {
      rejected.push({ name: candidate, reason: before.reason });
      continue;
    }
    try {
      facts = { ...facts, ...(await driver.activate(candidate)) };
    } catch (error) {
      rejected.push({ name: candidate, reason: reasonOf(error) });
      continue;
    }
    const verdict = judge(candidate, facts, named);
    if (!verdict.accept) {
      await driver.release(candidate);
      rejected.push({ name: candidate, reason: verdict.reason });
      continue;
    }
    return {
      name: verdict.name,
      candidate,
      ...(facts.adapter === undefined ? {} : { adapter: facts.adapter }),
      rejected,
      notes: verdict.note === undefined ? [] : [verdict.note],
    };
  }
  const reasons = rejected.map((r) => `${r.name}: ${r.reason}`).join('; ');
  throw new AppError('FAILED_PRECONDITION', `backend ${preference} is unavailable (${reasons})`);
}
