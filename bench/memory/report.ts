/** What `bench/memory/child.ts` prints (one JSON line) and `bench/sections/memory.ts` reads. */

/** One mark of the run, after a forced GC. */
export interface Sample {
  readonly step: number;
  readonly tensors: number;
  readonly rssMiB: number;
  readonly heapMiB: number;
  readonly backendMiB: number;
}

export interface ChildReport {
  readonly backend: string;
  readonly seconds: number;
  readonly rssBeforeMiB: number;
  readonly peakRssMiB: number;
  readonly samples: Sample[];
  readonly outcome: { status: string; error?: string } | null;
  readonly leakedTensors: number | null;
}
