import { describe, expect, it } from 'vitest';
import { notFound } from '../../../src/core/index.js';
import { readRunMetrics, withDeclaredSummaries } from '../../../src/runs/index.js';
import type { MetricSummary, RunRecord } from '../../../src/store/index.js';
import { builtinTrainers } from '../../../src/trainers/index.js';

const summary = (runId: string, name: string): MetricSummary => ({
  runId,
  name,
  count: 1,
  nonFiniteCount: 0,
  last: { step: 1, value: 1 },
  lastFinite: { step: 1, value: 1 },
  min: { step: 1, value: 1 },
  max: { step: 1, value: 1 },
});
const run = (id: string, trainer: string) => ({ id, trainer, status: 'RUNNING' }) as RunRecord;

describe('withDeclaredSummaries', () => {
  it("keeps each run's summaries of the metrics its trainer declares, families included, in one read", async () => {
    const reads: string[][] = [];
    const stored = [
      summary('a', 'grad_norm'),
      summary('a', 'loss'),
      summary('a', 'test_accuracy'),
      summary('b', 'test_seq_error_len40'),
      summary('b', 'test_seq_error_lenx'),
      summary('b', 'loss'),
      summary('c', 'loss'),
    ];
    const deps = {
      trainers: builtinTrainers,
      metrics: {
        summaries: async (ids: readonly string[]) => {
          reads.push([...ids]);
          return stored.filter((s) => ids.includes(s.runId));
        },
      },
    };
    const shown = await withDeclaredSummaries(deps, [
      run('a', 'smoke'),
      run('b', 'neural_gpu'),
      run('c', 'gone'),
    ]);
    expect(reads).toEqual([['a', 'b', 'c']]);
    expect(shown.map((r) => [r.run.id, r.summaries.map((s) => s.name)])).toEqual([
      // grad_norm is the runtime's, not declared by smoke.
      ['a', ['loss', 'test_accuracy']],
      ['b', ['test_seq_error_len40', 'loss']],
      // A trainer this server does not have declares nothing here.
      ['c', []],
    ]);
  });
});

describe('readRunMetrics', () => {
  it("looks the run up in the caller's project before reading its points", async () => {
    const calls: string[] = [];
    const deps = {
      runs: {
        get: async (project: string, id: string) => {
          if (project !== 'alpha') throw notFound('run', id);
          return run(id, 'smoke');
        },
      },
      metrics: {
        page: async () => {
          calls.push('page');
          return { items: [], nextPageToken: '' };
        },
        summaries: async (_: readonly string[], names?: readonly string[]) => {
          calls.push(`summaries ${names?.join(',') ?? 'all'}`);
          return [];
        },
      },
    };
    const input = { runId: 'r', names: [], fromStep: 0, toStep: 9, pageSize: 0, pageToken: '' };
    await expect(readRunMetrics(deps, { ...input, project: 'beta' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(calls).toEqual([]);
    expect(await readRunMetrics(deps, { ...input, project: 'alpha', names: ['loss'] })).toEqual({
      status: 'RUNNING',
      points: [],
      nextPageToken: '',
      summaries: [],
    });
    expect(calls).toEqual(['page', 'summaries loss']);
  });
});
