import { describe, expect, it } from 'vitest';
import { AppError, type RunSpec } from '../../../src/core/index.js';
import { ANY_DATA_DIR, compileRunSpec, type RunRequest } from '../../../src/runs/index.js';
import { type InitFromDeps, resolveInitFrom } from '../../../src/runs/resolve-init-from.js';
import type { CheckpointMeta, RunRecord } from '../../../src/store/index.js';

const PARENT_ID = '6f1c2a34-0000-4000-8000-000000000001';
const request: RunRequest = { trainer: 'smoke', optimizer: { kind: 'adam' }, maxSteps: 40 };
const spec = (overrides: Partial<RunRequest> = {}): RunSpec =>
  compileRunSpec({ ...request, ...overrides }, ANY_DATA_DIR);

/** One stored run of project `alpha` with checkpoints at steps 10 and 20. */
function deps(parentSpec: RunSpec = spec()): InitFromDeps {
  const parent = { id: PARENT_ID, project: 'alpha', spec: parentSpec } as RunRecord;
  const steps = [10, 20];
  return {
    runs: {
      async get(project, id) {
        if (project !== parent.project || id !== parent.id)
          throw new AppError('NOT_FOUND', `run "${id}" not found`);
        return parent;
      },
    },
    checkpoints: {
      async getMeta(runId, step) {
        const found = step === 0 ? steps.at(-1) : steps.find((s) => s === step);
        return runId !== PARENT_ID || found === undefined ? null : ({ runId, step: found } as CheckpointMeta);
      },
    },
  };
}

describe('resolveInitFrom', () => {
  it('resolves step 0 to the latest checkpoint and an unset mode to WEIGHTS', async () => {
    expect(await resolveInitFrom(deps(), 'alpha', { runId: PARENT_ID, step: 0 }, spec())).toEqual({
      runId: PARENT_ID,
      step: 20,
      mode: 'WEIGHTS',
    });
    expect(
      await resolveInitFrom(deps(), 'alpha', { runId: PARENT_ID, step: 10, mode: 'FULL' }, spec()),
    ).toEqual({ runId: PARENT_ID, step: 10, mode: 'FULL' });
  });

  it.each<[string, string, () => Promise<unknown>, string]>([
    [
      'a run of another project',
      'NOT_FOUND',
      () => resolveInitFrom(deps(), 'beta', { runId: PARENT_ID, step: 0 }, spec()),
      `init_from.run_id: run "${PARENT_ID}" not found`,
    ],
    [
      'a step without a checkpoint',
      'NOT_FOUND',
      () => resolveInitFrom(deps(), 'alpha', { runId: PARENT_ID, step: 15 }, spec()),
      `init_from.step: run ${PARENT_ID} has no checkpoint at step 15 (ListCheckpoints lists those it has)`,
    ],
    [
      'another trainer',
      'FAILED_PRECONDITION',
      () => resolveInitFrom(deps(), 'alpha', { runId: PARENT_ID, step: 10 }, spec({ trainer: 'mlp' })),
      `init_from: the checkpoint of run ${PARENT_ID} at step 10 is of trainer smoke; this run's trainer is mlp`,
    ],
    [
      'a fork with another optimizer kind',
      'FAILED_PRECONDITION',
      () =>
        resolveInitFrom(
          deps(),
          'alpha',
          { runId: PARENT_ID, step: 10, mode: 'FULL' },
          spec({ optimizer: { kind: 'sgd' } }),
        ),
      `init_from: mode FULL continues the optimizer state of run ${PARENT_ID} (adam); this run's optimizer is sgd. ` +
        'Use the same optimizer, or mode INIT_MODE_WEIGHTS for a new one',
    ],
    [
      'a fork whose budget ends at the checkpoint',
      'INVALID_ARGUMENT',
      () =>
        resolveInitFrom(
          deps(),
          'alpha',
          { runId: PARENT_ID, step: 20, mode: 'FULL' },
          spec({ maxSteps: 20 }),
        ),
      'max_steps: got 20; allowed: more than init_from.step (20): mode FULL continues from that step',
    ],
  ])('refuses %s with %s, naming the field', async (_, code, call, message) => {
    await expect(call()).rejects.toMatchObject({ code, message });
  });

  it('lets a fine-tune change the optimizer and end before the checkpoint’s step', async () => {
    const child = spec({ optimizer: { kind: 'sgd' }, maxSteps: 5 });
    expect((await resolveInitFrom(deps(), 'alpha', { runId: PARENT_ID, step: 20 }, child)).mode).toBe(
      'WEIGHTS',
    );
  });
});

describe('retention in compileRunSpec', () => {
  it('leaves it out for "keep every checkpoint", and fills keep_best from the declaration', () => {
    expect(spec()).not.toHaveProperty('retention');
    expect(spec({ retention: { keepLast: 0 } })).not.toHaveProperty('retention');
    expect(spec({ retention: { keepLast: 3 } }).retention).toEqual({ keepLast: 3, keepBest: null });
    expect(spec({ retention: { keepBest: { metric: 'test_accuracy' } } }).retention).toEqual({
      keepLast: 0,
      keepBest: { metric: 'test_accuracy', direction: 'max', count: 1 },
    });
    expect(
      spec({ retention: { keepBest: { metric: 'loss', direction: 'max', count: 4 } } }).retention?.keepBest,
    ).toEqual({ metric: 'loss', direction: 'max', count: 4 });
    // A compiled spec compiles to itself (what a stored spec and a sweep's template rely on).
    const compiled = spec({ retention: { keepLast: 2, keepBest: { metric: 'loss' } } });
    expect(compileRunSpec(compiled, ANY_DATA_DIR)).toEqual(compiled);
  });

  it.each<[string, NonNullable<RunRequest['retention']>, string]>([
    [
      'a negative keep_last',
      { keepLast: -1 },
      'retention.keepLast: got -1; allowed: an integer in [0, 1000000]',
    ],
    ['a keep_last too large', { keepLast: 1_000_001 }, 'retention.keepLast: got 1000001'],
    [
      'an undeclared metric',
      { keepBest: { metric: 'grad_norm' } },
      'retention.keepBest.metric: got "grad_norm"; allowed: a metric trainer smoke declares: loss, train_accuracy, train_loss, test_accuracy, test_loss',
    ],
    [
      'an empty metric',
      { keepBest: {} },
      'retention.keepBest.metric: got ""; allowed: a metric trainer smoke',
    ],
    [
      'a count too large',
      { keepBest: { metric: 'loss', count: 1001 } },
      'retention.keepBest.count: got 1001; allowed: an integer in [0, 1000] (0: 1)',
    ],
  ])('refuses %s with INVALID_ARGUMENT naming the field', (_, retention, message) => {
    expect(() => spec({ retention })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => spec({ retention })).toThrow(message);
  });
});
