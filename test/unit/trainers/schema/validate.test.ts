import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../src/core/index.js';
import {
  allowedText,
  type ConfigSchema,
  schemaDefaults,
  validateConfig,
} from '../../../../src/trainers/index.js';

const SCHEMA: ConfigSchema = {
  count: { kind: 'int', default: 3, min: 1, max: 10, doc: 'An int.' },
  kernel: { kind: 'int', default: 3, min: 1, max: 9, odd: true, doc: 'An odd int.' },
  rate: { kind: 'float', default: 0, min: 0, max: 1, maxExclusive: true, doc: 'A rate in [0, 1).' },
  scale: { kind: 'float', default: 1, min: 1, max: 2, doc: 'A scale in [1, 2].' },
  verbose: { kind: 'bool', default: false, doc: 'A flag.' },
  label: { kind: 'string', default: 'x', maxLength: 5, doc: 'A short string.' },
  mode: {
    kind: 'enum',
    choices: ['fast', 'slow'],
    default: 'fast',
    protoEnumPrefix: 'MODE_',
    doc: 'A mode.',
  },
  lengths: { kind: 'intList', default: [2, 4], min: 1, max: 9, maxItems: 3, doc: 'Lengths.' },
  limit: { kind: 'int', min: 1, max: 100, doc: 'Optional: no default.' },
  inner: {
    kind: 'object',
    doc: 'A nested object.',
    fields: {
      name: { kind: 'enum', choices: ['a', 'b'], default: 'a', protoEnumPrefix: 'INNER_', doc: 'A name.' },
      path: { kind: 'string', doc: 'Optional string.' },
    },
  },
};

function rejection(value: unknown): AppError {
  try {
    validateConfig(SCHEMA, value);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(value)}`);
}

describe('schema validation', () => {
  it('fills defaults in declaration order, nested ones too, and leaves optional fields out', () => {
    const expected = {
      count: 3,
      kernel: 3,
      rate: 0,
      scale: 1,
      verbose: false,
      label: 'x',
      mode: 'fast',
      lengths: [2, 4],
      inner: { name: 'a' },
    };
    expect(schemaDefaults(SCHEMA)).toEqual(expected);
    const compiled = validateConfig(SCHEMA, {});
    expect(JSON.stringify(compiled)).toBe(JSON.stringify(expected));
    // Out of order in, declaration order out.
    const given = validateConfig(SCHEMA, { inner: { path: '/p', name: 'b' }, limit: 7, count: 10 });
    expect(Object.keys(given)).toEqual([...Object.keys(expected).slice(0, 8), 'limit', 'inner']);
    expect(given).toMatchObject({ count: 10, limit: 7, inner: { name: 'b', path: '/p' } });
  });

  it('accepts every kind at its bounds', () => {
    expect(
      validateConfig(SCHEMA, {
        count: 1,
        kernel: 9,
        rate: 0.999,
        scale: 2,
        verbose: true,
        label: 'abcde',
        mode: 'slow',
        lengths: [],
      }),
    ).toMatchObject({
      count: 1,
      kernel: 9,
      rate: 0.999,
      scale: 2,
      verbose: true,
      label: 'abcde',
      lengths: [],
    });
  });

  it.each([
    [{ count: 0 }, 'count: got 0; allowed: an integer in [1, 10]'],
    [{ count: 11 }, 'count: got 11; allowed: an integer in [1, 10]'],
    [{ count: 2.5 }, 'count: got 2.5; allowed: an integer in [1, 10]'],
    [{ count: '3' }, 'count: got "3"; allowed: an integer in [1, 10]'],
    [{ kernel: 4 }, 'kernel: got 4; allowed: an odd integer in [1, 9]'],
    [{ rate: 1 }, 'rate: got 1; allowed: a number in [0, 1)'],
    [{ rate: Number.NaN }, 'rate: got NaN; allowed: a number in [0, 1)'],
    [{ scale: 2.01 }, 'scale: got 2.01; allowed: a number in [1, 2]'],
    [{ verbose: 1 }, 'verbose: got 1; allowed: true or false'],
    [{ label: 'toolong' }, 'label: got "toolong"; allowed: a string of at most 5 characters'],
    [{ label: 5 }, 'label: got 5; allowed: a string'],
    [{ mode: 'medium' }, 'mode: got "medium"; allowed: one of: fast, slow'],
    [{ lengths: 4 }, 'lengths: got 4; allowed: a list of at most 3 integers in [1, 9]'],
    [{ lengths: [1, 2, 3, 4] }, 'lengths: got [1,2,3,4]; allowed: a list of at most 3'],
    [{ lengths: [1, 10] }, 'lengths[1]: got 10; allowed: an integer in [1, 9]'],
    [{ limit: 0 }, 'limit: got 0; allowed: an integer in [1, 100]'],
    [{ inner: 'a' }, 'inner: got "a"; allowed: an object'],
    [{ inner: { name: 'c' } }, 'inner.name: got "c"; allowed: one of: a, b'],
    [{ inner: { nmae: 'a' } }, 'inner.nmae: got "a"; allowed: a known key (name, path)'],
    [{ cuont: 3 }, 'cuont: got 3; allowed: a known key (count, kernel, rate,'],
    [[], 'config: got []; allowed: an object'],
    [null, 'config: got null; allowed: an object'],
  ])('rejects %j with INVALID_ARGUMENT naming the field', (value, message) => {
    const error = rejection(value);
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain(message);
  });

  it('describes each kind as its errors do', () => {
    expect(allowedText(SCHEMA.kernel as never)).toBe('an odd integer in [1, 9]');
    expect(allowedText(SCHEMA.scale as never)).toBe('a number in [1, 2]');
    expect(allowedText(SCHEMA.inner as never)).toBe('an object');
  });
});
