import { describe, expect, it } from 'vitest';
import type { AppError } from '../../../src/core/index.js';
import type { UpdateRunRequest__Output } from '../../../src/generated/proto/gradnoise/v1/UpdateRunRequest.js';
import { decodeUpdateRun } from '../../../src/server/codec/index.js';

const request = (r: Partial<UpdateRunRequest__Output> & { paths?: string[] }): UpdateRunRequest__Output => ({
  runId: r.runId ?? 'run-1',
  displayName: r.displayName ?? '',
  labels: r.labels ?? {},
  updateMask: r.paths === undefined ? null : { paths: r.paths },
});

function refusal(r: Parameters<typeof request>[0]): AppError {
  try {
    decodeUpdateRun(request(r));
  } catch (error) {
    return error as AppError;
  }
  throw new Error('not refused');
}

describe('decodeUpdateRun', () => {
  it('turns each mask path into its change', () => {
    expect(decodeUpdateRun(request({ paths: ['display_name'], displayName: 'baseline' }))).toEqual({
      runId: 'run-1',
      displayName: 'baseline',
    });
    // An empty display name with its path clears it.
    expect(decodeUpdateRun(request({ paths: ['display_name'] }))).toEqual({
      runId: 'run-1',
      displayName: '',
    });
    expect(decodeUpdateRun(request({ paths: ['labels'], labels: { a: '1' } }))).toEqual({
      runId: 'run-1',
      labels: { replace: { a: '1' }, keys: [] },
    });
    expect(
      decodeUpdateRun(
        request({
          paths: ['labels.team/owner', 'labels.gone', 'labels.team/owner'],
          labels: { 'team/owner': 'x' },
        }),
      ),
    ).toEqual({
      runId: 'run-1',
      labels: {
        keys: [
          { key: 'team/owner', value: 'x', field: 'update_mask.paths[0]' },
          { key: 'gone', value: null, field: 'update_mask.paths[1]' },
        ],
      },
    });
  });

  it('refuses a missing, empty or oversized mask, naming update_mask', () => {
    for (const paths of [undefined, []]) {
      const error = refusal({ ...(paths ? { paths } : {}) });
      expect(error.fieldViolation?.field).toBe('update_mask');
      expect(error.message).toMatch(
        /^update_mask: got "no paths"; allowed: at least one path: display_name, labels/,
      );
    }
    const many = refusal({ paths: Array.from({ length: 65 }, () => 'labels') });
    expect(many.message).toBe('update_mask: got "65 paths"; allowed: at most 64 paths');
  });

  it('refuses an unknown path, naming update_mask.paths[i]', () => {
    for (const path of ['status', 'labels.', 'labels.bad key', 'display_name.x', 'Labels', 'labels.a*b']) {
      const error = refusal({ paths: ['display_name', path] });
      expect(error.code).toBe('INVALID_ARGUMENT');
      expect(error.fieldViolation?.field).toBe('update_mask.paths[1]');
      expect(error.message).toBe(
        `update_mask.paths[1]: got ${JSON.stringify(path)}; allowed: one of display_name, labels, or labels.<key> with a label key of 1-63 characters from [A-Za-z0-9_.-/]`,
      );
    }
  });

  it('refuses a value the mask does not name', () => {
    const name = refusal({ paths: ['labels'], displayName: 'x' });
    expect(name.fieldViolation?.field).toBe('display_name');
    const label = refusal({ paths: ['labels.a'], labels: { a: '1', b: '2' } });
    expect(label.fieldViolation?.field).toBe('labels["b"]');
    expect(label.message).toBe(
      'labels["b"]: got "2"; allowed: a label update_mask names: add "labels" or "labels.b" to its paths',
    );
  });

  it('checks the values as StartRun does', () => {
    expect(refusal({ paths: ['display_name'], displayName: 'x'.repeat(129) }).fieldViolation?.field).toBe(
      'display_name',
    );
    expect(refusal({ paths: ['display_name'], displayName: 'two\nlines' }).message).toMatch(
      /^display_name: got "two\\nlines"; allowed: at most 128 characters, none of them a control character/,
    );
    expect(refusal({ paths: ['labels'], labels: { 'bad key': '1' } }).fieldViolation?.field).toBe(
      'labels["bad key"]',
    );
    expect(refusal({ paths: ['labels'], labels: { a: 'v'.repeat(257) } }).fieldViolation?.field).toBe(
      'labels["a"]',
    );
    expect(refusal({ runId: '', paths: ['labels'] }).fieldViolation?.field).toBe('run_id');
  });
});
