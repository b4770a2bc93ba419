import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';

/** The machine a benchmark ran on, as printed beside every number. */
export interface MachineInfo {
  readonly cpu: string;
  /** Logical CPUs Node may use. */
  readonly cores: number;
  readonly node: string;
  readonly memoryGiB: number;
  /** PyTorch of `/usr/bin/python3`, when importable. */
  readonly torch: string | null;
}

/** Describes this machine. Probes PyTorch once (about a second). */
export function describeMachine(): MachineInfo {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    node: process.version,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    torch: torchVersion(),
  };
}

/** The version of PyTorch under `/usr/bin/python3`, or null when it cannot be imported. */
export function torchVersion(): string | null {
  try {
    return execFileSync('/usr/bin/python3', ['-c', 'import torch; print(torch.__version__)'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 60_000,
    }).trim();
  } catch {
    return null;
  }
}

/** The 1-, 5- and 15-minute load averages, rounded to 0.1. */
export function loadAverage(): readonly number[] {
  return loadavg().map((l) => Math.round(l * 10) / 10);
}

/** One line: `AMD EPYC, 2 cores, node v20.20.0, 23.5 GiB, torch 1.13.0`. */
export function formatMachine(m: MachineInfo): string {
  return `${m.cpu}, ${m.cores} cores, node ${m.node}, ${m.memoryGiB} GiB, torch ${m.torch ?? 'absent'}`;
}
