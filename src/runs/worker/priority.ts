import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** What {@link lowerThreadPriority} did, for the worker's `ready` message and the start-up log. */
export type PriorityOutcome =
  | { readonly applied: true; readonly nice: number }
  | { readonly applied: false; readonly reason: string };

/**
 * Sets the nice value of the calling OS thread only (not the process) to `nice`, 1..19.
 *
 * Why: a training thread is always runnable, while the gRPC event loop and PostgreSQL wake in short
 * bursts. At equal priority the scheduler splits a saturated machine evenly, so every request waits
 * behind training for its share of a core; a niced training thread still gets every idle cycle but
 * yields at once when the service needs the CPU (docs/benchmarks.md, StartRun latency).
 *
 * Linux only: `setpriority(PRIO_PROCESS, tid)` applies to one thread there (POSIX leaves it to the
 * process), and the thread id comes from `/proc/thread-self`. Threads the caller starts later (tfjs
 * wasm's pthreads) inherit the value. Elsewhere, or when refused, it changes nothing and says why.
 */
export function lowerThreadPriority(nice: number): PriorityOutcome {
  if (nice === 0) return { applied: false, reason: 'disabled (nice 0)' };
  if (process.platform !== 'linux') return { applied: false, reason: `not supported on ${process.platform}` };
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0)
      return { applied: false, reason: 'no thread id in /proc/thread-self' };
    // Lowering priority never needs privileges; a value below the current one would, so keep the larger.
    const target = Math.max(nice, getPriority(tid));
    setPriority(tid, target);
    return { applied: true, nice: getPriority(tid) };
  } catch (error) {
    return { applied: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
