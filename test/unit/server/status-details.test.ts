import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { AppError, invalidArgument, prefixFieldError } from '../../../src/core/index.js';
import { OptionError } from '../../../src/optim/index.js';
import { decodeStatusDetails, STATUS_DETAILS_KEY, type StatusDetails } from '../../../src/protocol/index.js';
import { toServiceError } from '../../../src/server/errors.js';

/** The google.rpc.Status the server would send for `error`, or null when it sends none. */
function trailer(error: unknown): StatusDetails | null {
  const mapped = toServiceError(error);
  const [bytes] = mapped.metadata?.get(STATUS_DETAILS_KEY) ?? [];
  if (bytes === undefined) return null;
  const decoded = decodeStatusDetails(bytes as Buffer);
  expect(decoded.code).toBe(mapped.code);
  expect(decoded.message).toBe(mapped.details);
  return decoded;
}

describe('field violations travel with the error, not in its message alone', () => {
  it('invalidArgument and a prefix keep the field and the description apart', () => {
    const error = prefixFieldError('lrSchedule.', invalidArgument('everySteps', -3, 'an integer >= 1'));
    expect(error).toMatchObject({
      message: 'lrSchedule.everySteps: got -3; allowed: an integer >= 1',
      fieldViolation: { field: 'lrSchedule.everySteps', description: 'got -3; allowed: an integer >= 1' },
    });
  });

  it('an optimizer option error carries its field', () => {
    expect(new OptionError('clip.byValue', 0, 'a finite number > 0').fieldViolation).toEqual({
      field: 'clip.byValue',
      description: 'got 0; allowed: a finite number > 0',
    });
  });

  it('an error without a field is attributed to the field its prefix names', () => {
    const inner = new AppError('INVALID_ARGUMENT', '/data/train-labels: truncated');
    const error = prefixFieldError('base.', prefixFieldError('mlp.', inner));
    expect(error).toMatchObject({
      message: 'base.mlp./data/train-labels: truncated',
      fieldViolation: { field: 'base.mlp', description: '/data/train-labels: truncated' },
    });
  });
});

describe('toServiceError: the google.rpc.Status trailer', () => {
  it('INVALID_ARGUMENT: a BadRequest with the field in snake_case, as the message names it', () => {
    const error = prefixFieldError('mlp.', invalidArgument('batchSize', 0, 'an integer in [1, 10000]'));
    expect(trailer(error)).toEqual({
      code: status.INVALID_ARGUMENT,
      message: 'mlp.batch_size: got 0; allowed: an integer in [1, 10000]',
      fieldViolations: [{ field: 'mlp.batch_size', description: 'got 0; allowed: an integer in [1, 10000]' }],
      quotaViolations: [],
    });
  });

  it('INVALID_ARGUMENT naming no field: a violation of the request as a whole', () => {
    const error = new AppError('INVALID_ARGUMENT', 'run "x": text PostgreSQL cannot store (e.g. NUL)');
    expect(trailer(error)?.fieldViolations).toEqual([{ field: '', description: error.message }]);
  });

  it('RESOURCE_EXHAUSTED: a QuotaFailure naming whose quota', () => {
    const quotaViolation = { subject: 'project:default', description: 'project "default" has 3 queued runs' };
    const error = new AppError('RESOURCE_EXHAUSTED', quotaViolation.description, { quotaViolation });
    expect(trailer(error)).toEqual({
      code: status.RESOURCE_EXHAUSTED,
      message: quotaViolation.description,
      fieldViolations: [],
      quotaViolations: [quotaViolation],
    });
  });

  it('other codes and unknown errors send no details', () => {
    expect(trailer(new AppError('NOT_FOUND', 'run "x" not found'))).toBeNull();
    expect(trailer(new Error('boom'))).toBeNull();
  });
});
