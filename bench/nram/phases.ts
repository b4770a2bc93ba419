/**
 * Where one NRAM training step's time goes: a phase recorder and the arithmetic on its records,
 * free of tfjs so it can be tested alone. `bench/nram/phases-child.ts` wires the recorder into the
 * real step (`NramSession.trainStep`) by wrapping the methods that bound each phase.
 */

/**
 * The parts of one step, in the order they run:
 *
 *   data        the batch drawn on the host (lengths, memories) and uploaded
 *   controller  the controller's forward (its output projection, initial state, T steps)
 *   machine     the rest of the unroll: softmax of the choices, the gates, memory, registers
 *   loss        the answer and the loss over the stopping distribution
 *   backward    the tape's backward pass (`tf.variableGrads` after the forward returns)
 *   clipNoise   the NoisyOptimizer's own work: host read, global norm, clipping, noise
 *   apply       the inner optimizer's `applyGradients` (Adam)
 *   host        after the update: the answers read back, the curriculum updated
 */
export const NRAM_PHASES = [
  'data',
  'controller',
  'machine',
  'loss',
  'backward',
  'clipNoise',
  'apply',
  'host',
] as const;

export type NramPhase = (typeof NRAM_PHASES)[number];

export type PhaseTimes = Record<NramPhase, number>;

export const zeroPhases = (): PhaseTimes => Object.fromEntries(NRAM_PHASES.map((p) => [p, 0])) as PhaseTimes;

/**
 * Charges elapsed time to the current phase. `switchTo(p)` closes the running stretch (if any)
 * and opens one of `p` (`null`: idle, charged to nothing); it returns the phase it left, so a
 * wrapper can restore it. The clock is injected: the child passes `performance.now`.
 */
export class PhaseRecorder {
  readonly times: PhaseTimes = zeroPhases();
  #current: NramPhase | null = null;
  #since = 0;
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  get current(): NramPhase | null {
    return this.#current;
  }

  switchTo(phase: NramPhase | null): NramPhase | null {
    const now = this.#now();
    const left = this.#current;
    if (left !== null) this.times[left] += now - this.#since;
    this.#current = phase;
    this.#since = now;
    return left;
  }

  /** Clears the times (between blocks); the current phase stays. */
  reset(): void {
    for (const p of NRAM_PHASES) this.times[p] = 0;
    this.#since = this.#now();
  }
}

/**
 * One kernel call: its name, its inputs' shapes (`[50,24,12]`), its self time in ms (its own run,
 * less the kernels it ran inside it, such as the tape's copies of saved tensors) and the phase it
 * ran in (`null`: outside any).
 */
export interface KernelTime {
  readonly name: string;
  readonly shapes: string;
  readonly ms: number;
  readonly phase: NramPhase | null;
}

/** Kernel time and count per phase. */
export type KernelsByPhase = Record<NramPhase, { ms: number; kernels: number }>;

/** Sums the kernels' self time and count per phase; kernels outside any phase are left out. */
export function kernelsByPhase(kernels: readonly KernelTime[]): KernelsByPhase {
  const out = Object.fromEntries(NRAM_PHASES.map((p) => [p, { ms: 0, kernels: 0 }])) as KernelsByPhase;
  for (const k of kernels) {
    if (k.phase === null) continue;
    out[k.phase].ms += k.ms;
    out[k.phase].kernels += 1;
  }
  return out;
}

export interface KernelTotal {
  readonly name: string;
  readonly count: number;
  readonly ms: number;
  /** Of all the kernels' time. */
  readonly share: number;
}

/**
 * Kernels summed by name (with `byShape`, by name and input shapes: `Sum [50,24,12]`), most time
 * first (ties by name), the first `top` of them.
 */
export function topKernels(kernels: readonly KernelTime[], top = 8, byShape = false): KernelTotal[] {
  const sums = new Map<string, { count: number; ms: number }>();
  let total = 0;
  for (const k of kernels) {
    const key = byShape ? `${k.name} ${k.shapes}` : k.name;
    const sum = sums.get(key) ?? { count: 0, ms: 0 };
    sum.count += 1;
    sum.ms += k.ms;
    total += k.ms;
    sums.set(key, sum);
  }
  return [...sums]
    .map(([name, { count, ms }]) => ({ name, count, ms, share: total > 0 ? ms / total : Number.NaN }))
    .sort((a, b) => b.ms - a.ms || a.name.localeCompare(b.name))
    .slice(0, top);
}

/** Each phase's share of the phases' sum (NaN when the sum is 0). */
export function phaseShares(times: PhaseTimes): PhaseTimes {
  const total = NRAM_PHASES.reduce((sum, p) => sum + times[p], 0);
  return Object.fromEntries(
    NRAM_PHASES.map((p) => [p, total > 0 ? times[p] / total : Number.NaN]),
  ) as PhaseTimes;
}

/** Readable phase names for the report. */
export const PHASE_LABELS: Readonly<Record<NramPhase, string>> = {
  data: 'data',
  controller: 'controller fwd',
  machine: 'machine fwd (gates)',
  loss: 'loss',
  backward: 'backward',
  clipNoise: 'clip+noise',
  apply: 'Adam apply',
  host: 'host read-back',
};

/** `controller fwd 1.20 ms (12 %) · …`: each phase's ms and share. */
export function formatPhases(times: PhaseTimes, digits = 2): string {
  const shares = phaseShares(times);
  return NRAM_PHASES.map(
    (p) => `${PHASE_LABELS[p]} ${times[p].toFixed(digits)} ms (${Math.round(shares[p] * 100)} %)`,
  ).join(' · ');
}
