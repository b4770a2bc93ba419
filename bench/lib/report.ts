import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { MachineInfo } from './machine.js';

/** Whether a measured value meets its goal; `info` for rows that have none. */
export type Verdict = 'met' | 'missed' | 'info';

/** One line of the results table. */
export interface Row {
  readonly benchmark: string;
  /** The measured value, formatted with its unit. */
  readonly value: string;
  /** The goal, e.g. `p99 ≤ 20 ms`; empty when there is none. */
  readonly goal: string;
  readonly verdict: Verdict;
  /** What limits it, or how to read it. */
  readonly note?: string;
}

/** What one section hands back: table rows plus the raw numbers for the JSON file. */
export interface SectionOutcome {
  readonly rows: readonly Row[];
  readonly data: Readonly<Record<string, unknown>>;
  /** Set when the section could not run here (e.g. PyTorch missing); rows may still be partial. */
  readonly skipped?: string;
}

/** A finished section with its context: the load it ran under and how long it took. */
export interface SectionResult extends SectionOutcome {
  readonly name: string;
  readonly title: string;
  readonly loadStart: readonly number[];
  readonly loadEnd: readonly number[];
  readonly seconds: number;
  readonly error?: string;
}

export interface BenchReport {
  readonly command: string;
  readonly startedAt: string;
  readonly quick: boolean;
  readonly machine: MachineInfo;
  readonly sections: readonly SectionResult[];
  /** With `--profile`: where the shared service's event loop spent its time. */
  readonly serviceProfile?: {
    readonly busyMs: number;
    readonly shares: ReadonlyArray<{ owner: string; share: number }>;
  };
}

/** A row that meets its goal when `ok`, else is reported missed. */
export function goalRow(benchmark: string, value: string, goal: string, ok: boolean, note?: string): Row {
  return { benchmark, value, goal, verdict: ok ? 'met' : 'missed', ...(note === undefined ? {} : { note }) };
}

export function infoRow(benchmark: string, value: string, note?: string): Row {
  return { benchmark, value, goal: '', verdict: 'info', ...(note === undefined ? {} : { note }) };
}

/** The results as a Markdown table (benchmark | measured | goal | verdict), notes below it. */
export function formatTable(sections: readonly SectionResult[]): string {
  const lines = ['| section | benchmark | measured | goal | |', '|---|---|---|---|---|'];
  const notes: string[] = [];
  for (const s of sections) {
    if (s.error !== undefined) lines.push(`| ${s.name} | (failed) | ${cell(s.error)} | | |`);
    else if (s.skipped !== undefined && s.rows.length === 0)
      lines.push(`| ${s.name} | (skipped) | ${cell(s.skipped)} | | |`);
    for (const r of s.rows) {
      const mark = r.verdict === 'met' ? 'met' : r.verdict === 'missed' ? '**missed**' : '';
      lines.push(`| ${s.name} | ${cell(r.benchmark)} | ${cell(r.value)} | ${cell(r.goal)} | ${mark} |`);
      if (r.note !== undefined) notes.push(`- ${s.name} / ${r.benchmark}: ${r.note}`);
    }
  }
  return [...lines, ...(notes.length > 0 ? ['', ...notes] : [])].join('\n');
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export async function writeReport(path: string, report: BenchReport): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
}

/** `12,345` */
export const int = (n: number): string => Math.round(n).toLocaleString('en');
/** `12.35` */
export const fixed = (n: number, digits = 2): string => n.toFixed(digits);
