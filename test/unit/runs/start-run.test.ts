import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/core/index.js';
import {
  ANY_DATA_DIR,
  type DataRootPolicy,
  dataRootPolicy,
  type StartRunDeps,
  type StartRunInput,
  startRun,
} from '../../../src/runs/index.js';
import type { NewRun, RunRecord } from '../../../src/store/index.js';

/** An in-memory `RunRepository.create` with the store's rule: idempotent on (project, requestId). */
class FakeRuns {
  readonly rows: RunRecord[] = [];
  async create(input: NewRun): Promise<{ run: RunRecord; created: boolean }> {
    await Promise.resolve();
    const existing = this.rows.find(
      (r) => input.requestId !== null && r.project === input.project && r.requestId === input.requestId,
    );
    if (existing) return { run: existing, created: false };
    const run: RunRecord = {
      id: `run-${this.rows.length + 1}`,
      project: input.project,
      requestId: input.requestId,
      trainer: input.spec.trainer,
      displayName: input.displayName ?? '',
      spec: input.spec,
      status: 'QUEUED',
      labels: input.labels,
      backend: null,
      device: null,
      attempt: 0,
      error: null,
      endReason: null,
      currentStep: 0,
      cancelRequested: false,
      owner: null,
      leaseExpiresAt: null,
      sweepId: input.sweepId ?? null,
      createdAt: new Date(0),
      startedAt: null,
      finishedAt: null,
      initFrom: input.initFrom ?? null,
    };
    this.rows.push(run);
    return { run, created: true };
  }
  async get(project: string, id: string): Promise<RunRecord> {
    await Promise.resolve();
    const found = this.rows.find((r) => r.project === project && r.id === id);
    if (found === undefined) throw new AppError('NOT_FOUND', `run "${id}" not found`);
    return found;
  }
}

/** No run has a checkpoint (the init_from cases are in resolve-init-from.test.ts). */
const NO_CHECKPOINTS: StartRunDeps['checkpoints'] = { getMeta: async () => null };

function setup(
  admit?: (project: string, runs: number) => Promise<void>,
  dataRoots: DataRootPolicy = ANY_DATA_DIR,
) {
  const runs = new FakeRuns();
  const events: string[] = [];
  const deps: StartRunDeps = {
    runs,
    checkpoints: NO_CHECKPOINTS,
    wake: () => events.push('wake'),
    dataRoots,
    ...(admit !== undefined ? { admission: { admit } } : {}),
  };
  return { runs, events, deps };
}

const input = (overrides: Partial<StartRunInput> = {}): StartRunInput => ({
  project: 'alpha',
  request: { trainer: 'smoke', maxSteps: 7, noise: { eta: 0.3 } },
  labels: { arm: 'noise' },
  requestId: null,
  ...overrides,
});

describe('startRun', () => {
  it('stores the compiled spec QUEUED in the caller project and wakes the queue once', async () => {
    const { runs, events, deps } = setup();
    const { run, created } = await startRun(deps, input());
    expect(created).toBe(true);
    expect(run).toMatchObject({ project: 'alpha', status: 'QUEUED', labels: { arm: 'noise' } });
    // Compiled: the request's values, and the defaults it left out filled in.
    expect(run.spec).toMatchObject({ trainer: 'smoke', maxSteps: 7, noise: { eta: 0.3, gamma: 0.55 } });
    expect(runs.rows).toEqual([run]);
    expect(events).toEqual(['wake']);
  });

  it('returns the first run for a retried request_id, stores nothing and does not wake again', async () => {
    const { runs, events, deps } = setup();
    const first = await startRun(deps, input({ requestId: 'req-1' }));
    const retry = await startRun(
      deps,
      input({ requestId: 'req-1', request: { trainer: 'smoke', maxSteps: 9 } }),
    );
    expect(retry.created).toBe(false);
    expect(retry.run).toBe(first.run);
    expect(retry.run.spec.maxSteps).toBe(7);
    expect(runs.rows).toHaveLength(1);
    expect(events).toEqual(['wake']);
    // Without a request id every call is a new run.
    await startRun(deps, input());
    await startRun(deps, input());
    expect(runs.rows).toHaveLength(3);
  });

  it('refuses a bad field with INVALID_ARGUMENT naming it, before admission or storage', async () => {
    const admitted: string[] = [];
    const { runs, events, deps } = setup(async (project) => {
      admitted.push(project);
    });
    const error = await startRun(deps, input({ request: { trainer: 'smoke', noise: { eta: -1 } } })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect((error as AppError).message).toMatch(/^noise\.eta: got -1; allowed: /);
    expect(admitted).toEqual([]);
    expect(runs.rows).toEqual([]);
    expect(events).toEqual([]);
  });

  it('refuses an IDX directory outside the data roots with the preflight, before admission or storage', async () => {
    const admitted: string[] = [];
    const roots = dataRootPolicy(['/nonexistent/datasets'], 'GRADNOISE_DATA_ROOTS');
    const { runs, events, deps } = setup(async (project) => {
      admitted.push(project);
    }, roots);
    const request = { trainer: 'mlp', trainerConfig: { data: { source: 'idx', dir: '/etc' } } };
    await expect(startRun(deps, input({ request }))).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message:
        'mlp.data.dir: got "/etc"; allowed: a directory in /nonexistent/datasets ' +
        "(the server's data root policy, GRADNOISE_DATA_ROOTS)",
    });
    expect(admitted).toEqual([]);
    expect(runs.rows).toEqual([]);
    expect(events).toEqual([]);
  });

  it('asks admission for one run of the caller project, and stores nothing when it refuses', async () => {
    const asked: [string, number][] = [];
    const { runs, events, deps } = setup(async (project, n) => {
      asked.push([project, n]);
      if (asked.length > 1)
        throw new AppError('RESOURCE_EXHAUSTED', 'project "alpha" has too many queued runs');
    });
    await startRun(deps, input());
    await expect(startRun(deps, input())).rejects.toMatchObject({ code: 'RESOURCE_EXHAUSTED' });
    expect(asked).toEqual([
      ['alpha', 1],
      ['alpha', 1],
    ]);
    expect(runs.rows).toHaveLength(1);
    expect(events).toEqual(['wake']);
  });
});
