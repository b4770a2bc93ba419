import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A V8 CPU profile as `node --cpu-prof` writes it (the fields used here). */
interface CpuProfile {
  readonly nodes: ReadonlyArray<{
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string };
    readonly children?: readonly number[];
  }>;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Where busy time went: owner (npm package, `src/<module>`, or a V8 category) → share of busy time. */
export interface ProfileSummary {
  readonly busyMs: number;
  readonly shares: ReadonlyArray<{ readonly owner: string; readonly share: number }>;
}

/** Owners whose time is module loading at start-up, not serving. */
const STARTUP = new Set(['tsx', 'lexer', 'esbuild', 'node:internal/modules']);

/**
 * Sums a profile's samples by owner: the nearest frame up the stack that belongs to an npm package
 * or a `src/` module, else the V8 category (`(garbage collector)`, `(program)`). Idle time and
 * start-up module loading (tsx, the CommonJS lexer, Node's loader) are left out, so the shares are
 * of the time spent serving.
 */
export function summarizeProfile(profile: CpuProfile, top = 8): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const ownerCache = new Map<number, string>();
  const ownerOf = (id: number): string => {
    const cached = ownerCache.get(id);
    if (cached !== undefined) return cached;
    let owner: string | null = null;
    for (let cur: number | undefined = id; cur !== undefined && owner === null; cur = parent.get(cur)) {
      const url = byId.get(cur)?.callFrame.url ?? '';
      owner =
        url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1] ??
        url.match(/\/(src\/[^/]+)\//)?.[1] ??
        url.match(/^(node:internal\/modules)/)?.[1] ??
        null;
    }
    const frame = byId.get(id)?.callFrame;
    const result = owner ?? (frame?.url === '' ? (frame?.functionName ?? '?') : 'node');
    ownerCache.set(id, result);
    return result;
  };
  const totals = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const owner = ownerOf(id);
    if (owner === '(idle)' || STARTUP.has(owner)) return;
    const us = profile.timeDeltas[i] ?? 0;
    totals.set(owner, (totals.get(owner) ?? 0) + us);
    busy += us;
  });
  const shares = [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([owner, us]) => ({ owner, share: us / busy }));
  return { busyMs: busy / 1000, shares };
}

/** The main thread's profile in `dir` (`node --cpu-prof` names it `CPU.<date>.<pid>.0.<seq>.cpuprofile`). */
export async function mainThreadProfile(dir: string): Promise<CpuProfile | null> {
  const name = (await readdir(dir)).find((f) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(f));
  return name === undefined ? null : (JSON.parse(await readFile(join(dir, name), 'utf8')) as CpuProfile);
}

/** `@prisma/client 35 % · pg 28 % · …` */
export function formatShares(summary: ProfileSummary): string {
  return summary.shares.map((s) => `${s.owner} ${Math.round(s.share * 100)} %`).join(' · ');
}
