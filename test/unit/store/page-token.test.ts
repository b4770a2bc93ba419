import { describe, expect, it } from 'vitest';
import {
  decodeMetricPageToken,
  decodePageToken,
  decodeSweepPageToken,
  encodeMetricPageToken,
  encodePageToken,
  encodeSweepPageToken,
} from '../../../src/store/page-token.js';

const cursor = { createdAt: '2026-11-27T04:31:00.123456Z', id: '6f1c2a34-0000-4000-8000-000000000001' };

describe('page tokens', () => {
  it('round-trips a cursor for the same filter, whatever the order of its statuses and labels', () => {
    const token = encodePageToken(cursor, {
      project: 'p',
      statuses: ['QUEUED', 'FAILED'],
      labels: { a: '1', b: '2' },
    });
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(
      decodePageToken(token, { project: 'p', statuses: ['FAILED', 'QUEUED'], labels: { b: '2', a: '1' } }),
    ).toEqual(cursor);
  });

  it('reads the empty token as the first page', () => {
    expect(decodePageToken('', { project: 'p' })).toBeNull();
  });

  it('rejects a token of another filter', () => {
    const token = encodePageToken(cursor, { project: 'p', trainer: 'mlp' });
    for (const filter of [
      { project: 'p' },
      { project: 'q', trainer: 'mlp' },
      { project: 'p', trainer: 'babi' },
    ]) {
      expect(() => decodePageToken(token, filter)).toThrow(/^page_token: got /);
    }
  });

  it('rejects malformed tokens as INVALID_ARGUMENT naming page_token', () => {
    const forged = (body: unknown) => Buffer.from(JSON.stringify(body)).toString('base64url');
    const good = JSON.parse(Buffer.from(encodePageToken(cursor, { project: 'p' }), 'base64url').toString());
    for (const token of [
      '!!!',
      'e30',
      forged(null),
      forged([1]),
      forged({ ...good, t: 'yesterday' }),
      forged({ ...good, t: "2026-01-01'; DROP TABLE runs; --" }),
      forged({ ...good, i: 'not-a-uuid' }),
      forged({ ...good, f: 'other' }),
    ]) {
      expect(() => decodePageToken(token, { project: 'p' }), token).toThrow(
        expect.objectContaining({
          code: 'INVALID_ARGUMENT',
          message: expect.stringMatching(/^page_token: got /),
        }),
      );
    }
  });

  it('binds a sweep token to its labels and state, and never accepts a run token for sweeps', () => {
    const token = encodeSweepPageToken(cursor, { project: 'p', labels: { a: '1', b: '2' }, state: 'active' });
    expect(
      decodeSweepPageToken(token, { project: 'p', labels: { b: '2', a: '1' }, state: 'active' }),
    ).toEqual(cursor);
    for (const filter of [
      { project: 'p', labels: { a: '1', b: '2' } },
      { project: 'p', labels: { a: '1', b: '2' }, state: 'done' as const },
      { project: 'p', labels: { a: '1' }, state: 'active' as const },
      { project: 'q', labels: { a: '1', b: '2' }, state: 'active' as const },
    ]) {
      expect(() => decodeSweepPageToken(token, filter)).toThrow(/^page_token: got /);
    }
    const runToken = encodePageToken(cursor, { project: 'p', labels: { a: '1' } });
    expect(() => decodeSweepPageToken(runToken, { project: 'p', labels: { a: '1' } })).toThrow(
      /^page_token: got /,
    );
    const sweepToken = encodeSweepPageToken(cursor, { project: 'p' });
    expect(() => decodePageToken(sweepToken, { project: 'p' })).toThrow(/^page_token: got /);
  });

  it('binds a GetRunMetrics token to its run, names (as a set) and step range', () => {
    const run = cursor.id;
    const query = { names: ['loss', 'acc'], fromStep: 3, toStep: 90 };
    const at = { step: 17, name: 'loss' };
    const token = encodeMetricPageToken(at, run, query);
    expect(decodeMetricPageToken(token, run, { ...query, names: ['acc', 'loss', 'acc'] })).toEqual(at);
    expect(decodeMetricPageToken(token, run.toUpperCase(), query)).toEqual(at);
    expect(decodeMetricPageToken('', run, query)).toBeNull();
    const forged = (body: unknown) => Buffer.from(JSON.stringify(body)).toString('base64url');
    const good = JSON.parse(Buffer.from(token, 'base64url').toString());
    for (const [runId, q, t] of [
      ['6f1c2a34-0000-4000-8000-000000000002', query, token],
      [run, { ...query, names: ['loss'] }, token],
      [run, { ...query, names: [] }, token],
      [run, { ...query, fromStep: 4 }, token],
      [run, { ...query, toStep: 91 }, token],
      [run, query, encodePageToken(cursor, { project: 'p' })],
      [run, query, forged({ ...good, s: -1 })],
      [run, query, forged({ ...good, s: 2 ** 31 })],
      [run, query, forged({ ...good, s: 1.5 })],
      [run, query, forged({ ...good, n: 7 })],
      [run, query, 'e30'],
      [run, query, '!!!'],
    ] as const) {
      expect(() => decodeMetricPageToken(t, runId, q), t).toThrow(
        /^page_token: got .+; allowed: a next_page_token returned for the same run_id, names and steps$/,
      );
    }
  });
});
