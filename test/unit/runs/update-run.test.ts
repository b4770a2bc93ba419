import { describe, expect, it } from 'vitest';
import type { AppError } from '../../../src/core/index.js';
import { deletionRefusal, editLabels, type LabelEdit } from '../../../src/runs/index.js';
import type { RunRecord } from '../../../src/store/index.js';

const RESERVED = ['sweep_id', 'sweep_cell', 'sweep_arm', 'seed'];
const SWEEP_RUN = { team: 'vision', sweep_id: 's-1', sweep_cell: 'lr=0.1', sweep_arm: 'noise', seed: '3' };

function refusal(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    return error as AppError;
  }
  throw new Error('not refused');
}

const edit = (e: Partial<LabelEdit>): LabelEdit => ({ keys: [], ...e });

describe('editLabels', () => {
  it('replaces the whole map but keeps the reserved sweep labels the run has', () => {
    expect(editLabels(SWEEP_RUN, edit({ replace: { owner: 'ana' } }), RESERVED)).toEqual({
      owner: 'ana',
      sweep_id: 's-1',
      sweep_cell: 'lr=0.1',
      sweep_arm: 'noise',
      seed: '3',
    });
    expect(editLabels({ a: '1', b: '2' }, edit({ replace: {} }), RESERVED)).toEqual({});
  });

  it('sets and removes single keys, after a replacement when both are given', () => {
    const keys = [
      { key: 'team', value: null, field: 'update_mask.paths[0]' },
      { key: 'owner', value: 'ana', field: 'update_mask.paths[1]' },
    ];
    expect(editLabels({ team: 'vision', tier: 'a' }, edit({ keys }), RESERVED)).toEqual({
      tier: 'a',
      owner: 'ana',
    });
    expect(editLabels({ tier: 'a' }, edit({ replace: { team: 'x' }, keys }), RESERVED)).toEqual({
      owner: 'ana',
    });
    // Removing a label the run does not have changes nothing.
    expect(editLabels({}, edit({ keys: [{ key: 'gone', value: null, field: 'f' }] }), RESERVED)).toEqual({});
  });

  it('keeps "__proto__" a label like any other key', () => {
    const next = editLabels({}, edit({ keys: [{ key: '__proto__', value: 'v', field: 'f' }] }), RESERVED);
    expect(Object.getPrototypeOf(next)).toBe(Object.prototype);
    expect(Object.entries(next)).toEqual([['__proto__', 'v']]);
  });

  it('accepts a reserved label given with its stored value', () => {
    expect(editLabels(SWEEP_RUN, edit({ replace: { ...SWEEP_RUN, team: 'audio' } }), RESERVED)).toEqual({
      ...SWEEP_RUN,
      team: 'audio',
    });
  });

  it('refuses to change, add or remove a reserved label, naming the field', () => {
    const changed = refusal(() => editLabels(SWEEP_RUN, edit({ replace: { seed: '4' } }), RESERVED));
    expect(changed.code).toBe('INVALID_ARGUMENT');
    expect(changed.message).toBe(
      'labels["seed"]: got "4"; allowed: "3", the stored value: seed is a reserved sweep label and cannot change',
    );
    const added = refusal(() =>
      editLabels(
        {},
        edit({ keys: [{ key: 'sweep_id', value: 'x', field: 'update_mask.paths[0]' }] }),
        RESERVED,
      ),
    );
    expect(added.fieldViolation?.field).toBe('labels["sweep_id"]');
    expect(added.message).toMatch(/allowed: no value: sweep_id is a reserved sweep label/);
    const removed = refusal(() =>
      editLabels(
        SWEEP_RUN,
        edit({ keys: [{ key: 'sweep_arm', value: null, field: 'update_mask.paths[2]' }] }),
        RESERVED,
      ),
    );
    expect(removed.fieldViolation?.field).toBe('update_mask.paths[2]');
    expect(removed.message).toMatch(
      /^update_mask\.paths\[2\]: got "labels\.sweep_arm"; allowed: a path that keeps/,
    );
  });

  it('refuses more than 32 labels after the update', () => {
    const current = Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`k${i}`, 'v']));
    const error = refusal(() =>
      editLabels(current, edit({ keys: [{ key: 'one_more', value: 'v', field: 'f' }] }), RESERVED),
    );
    expect(error.message).toBe(
      'labels: got "33 labels after the update"; allowed: at most 32 labels on a run',
    );
  });
});

describe('deletionRefusal', () => {
  const run = (status: RunRecord['status'], sweepId: string | null) =>
    ({ id: 'r-1', status, sweepId }) as RunRecord;

  it('refuses an unfinished run naming its status, and a sweep run naming the sweep', () => {
    for (const status of ['QUEUED', 'RUNNING'] as const) {
      const error = deletionRefusal(run(status, null));
      expect(error?.code).toBe('FAILED_PRECONDITION');
      expect(error?.message).toContain(`run r-1 is ${status}`);
    }
    const sweep = deletionRefusal(run('COMPLETED', 's-9'));
    expect(sweep?.code).toBe('FAILED_PRECONDITION');
    expect(sweep?.message).toContain('sweep s-9');
  });

  it('allows a finished run of no sweep', () => {
    for (const status of ['COMPLETED', 'FAILED', 'CANCELLED'] as const) {
      expect(deletionRefusal(run(status, null))).toBeUndefined();
    }
  });
});
