import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/core/index.js';
import { toAppError } from '../../../src/store/errors.js';

/** Shaped like a `pg` DatabaseError. */
const pgError = (code: string, message: string, constraint?: string) =>
  Object.assign(new Error(message), { code, ...(constraint === undefined ? {} : { constraint }) });

/** Shaped like Prisma 7's PrismaClientKnownRequestError through @prisma/adapter-pg. */
const prismaError = (
  code: string,
  cause?: { originalCode: string; originalMessage: string; index?: string },
) =>
  Object.assign(new Error(`Invalid prisma call\n${cause?.originalMessage ?? ''}`), {
    code,
    meta:
      cause === undefined
        ? { modelName: 'Run' }
        : {
            driverAdapterError: {
              cause: {
                originalCode: cause.originalCode,
                originalMessage: cause.originalMessage,
                ...(cause.index === undefined ? {} : { constraint: { index: cause.index } }),
              },
            },
          },
  });

describe('toAppError', () => {
  const cases: [string, unknown, string, string][] = [
    ['pg unique violation', pgError('23505', 'duplicate key'), 'ALREADY_EXISTS', 'run "r1" already exists'],
    ['prisma unique violation', prismaError('P2002'), 'ALREADY_EXISTS', 'run "r1" already exists'],
    [
      'pg foreign key, parent named by the constraint',
      pgError('23503', 'violates fk', 'runs_sweep_id_fkey'),
      'NOT_FOUND',
      'sweep not found',
    ],
    [
      'prisma foreign key to the subject itself',
      prismaError('P2003', {
        originalCode: '23503',
        originalMessage: 'fk',
        index: 'checkpoints_run_id_fkey',
      }),
      'NOT_FOUND',
      'run "r1" not found',
    ],
    ['prisma missing row', prismaError('P2025'), 'NOT_FOUND', 'run "r1" not found'],
    [
      'prisma malformed uuid',
      prismaError('P2007', {
        originalCode: '22P02',
        originalMessage: 'invalid input syntax for type uuid: "x"',
      }),
      'NOT_FOUND',
      'run "r1" not found',
    ],
    [
      'raw malformed uuid',
      pgError('22P02', 'invalid input syntax for type uuid: "x"'),
      'NOT_FOUND',
      'run "r1" not found',
    ],
    [
      'another bad input',
      pgError('22P02', 'invalid input syntax for type integer: "x"'),
      'INTERNAL',
      'database error (run "r1")',
    ],
    [
      'connection refused',
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      'UNAVAILABLE',
      'database unavailable (run "r1")',
    ],
    [
      'server shutting down',
      pgError('57P01', 'terminating connection'),
      'UNAVAILABLE',
      'database unavailable (run "r1")',
    ],
    ['anything else', new TypeError('boom'), 'INTERNAL', 'database error (run "r1")'],
    ['not even an Error', 'weird', 'INTERNAL', 'database error (run "r1")'],
  ];

  it.each(cases)('%s', (_, error, code, message) => {
    const mapped = toAppError(error, 'run', 'r1');
    expect(mapped).toBeInstanceOf(AppError);
    expect({ code: mapped.code, message: mapped.message }).toEqual({ code, message });
    expect(mapped.cause).toBe(error);
  });

  it('passes an AppError through unchanged', () => {
    const error = new AppError('FAILED_PRECONDITION', 'no');
    expect(toAppError(error, 'run', 'r1')).toBe(error);
  });

  it('never quotes the database in the message', () => {
    const mapped = toAppError(pgError('XX000', 'relation "secret_table" is corrupt'), 'run list');
    expect(mapped.message).toBe('database error (run list)');
  });
});
