import { describe, expect, it } from 'vitest';
import type { MetricPoint } from '../../../src/core/index.js';
import { dedupe, encodeBatch, MAX_TIME_MS, MIN_TIME_MS } from '../../../src/store/metric-batch.js';

/**
 * Reads a one-dimensional binary array as PostgreSQL's array_recv does: checks the header and
 * returns each element's bytes.
 */
function readArray(buffer: Buffer, elementOid: number): Buffer[] {
  expect(buffer.readInt32BE(0)).toBe(1); // dimensions
  expect(buffer.readInt32BE(4)).toBe(0); // no nulls
  expect(buffer.readInt32BE(8)).toBe(elementOid);
  const count = buffer.readInt32BE(12);
  expect(buffer.readInt32BE(16)).toBe(1); // lower bound
  const elements: Buffer[] = [];
  let at = 20;
  for (let i = 0; i < count; i += 1) {
    const length = buffer.readInt32BE(at);
    elements.push(buffer.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  expect(at).toBe(buffer.length);
  return elements;
}

const RUN_A = '0b6f4c1e-8a9d-4c1f-9e2b-3d4c5e6f7a8b';
const RUN_B = 'f0e1d2c3-b4a5-4968-8776-655443322110';
const point = (over: Partial<MetricPoint>): MetricPoint => ({
  runId: RUN_A,
  step: 1,
  name: 'loss',
  value: 0.5,
  timeMs: 1_760_000_000_000,
  ...over,
});
/** PostgreSQL's timestamp epoch, 2000-01-01, in Unix ms. */
const PG_EPOCH_MS = 946_684_800_000;

describe('encodeBatch', () => {
  it("writes five arrays in PostgreSQL's binary format, one element per point, in order", () => {
    const points = [
      point({ runId: RUN_A, step: 0, name: 'loss', value: -0, timeMs: PG_EPOCH_MS }),
      point({
        runId: RUN_B.toUpperCase(),
        step: 7,
        name: 'σ "q" \\ {a,b} NULL',
        value: Number.NaN,
        timeMs: -1.5,
      }),
      point({
        runId: RUN_A.toUpperCase(),
        step: 2 ** 31 - 1,
        name: 'loss',
        value: 1e308,
        timeMs: MAX_TIME_MS,
      }),
      point({ runId: RUN_B, step: 3, name: 'acc', value: 0.1, timeMs: MIN_TIME_MS }),
    ];
    const batch = encodeBatch(points, 0);
    // Distinct runs, lower case, first appearance first; a case variant is the same run.
    expect(batch.runIds).toEqual([RUN_A, RUN_B]);
    expect(readArray(batch.runIndex, 23).map((b) => b.readInt32BE(0))).toEqual([1, 2, 1, 2]);
    expect(readArray(batch.steps, 23).map((b) => b.readInt32BE(0))).toEqual([0, 7, 2 ** 31 - 1, 3]);
    expect(readArray(batch.names, 25).map((b) => b.toString('utf8'))).toEqual(points.map((p) => p.name));
    const values = readArray(batch.values, 701).map((b) => b.readDoubleBE(0));
    expect(Object.is(values[0], -0)).toBe(true);
    expect(values.slice(1)).toEqual([Number.NaN, 1e308, 0.1]);
    const micros = readArray(batch.times, 1184).map((b) => b.readBigInt64BE(0));
    expect(micros).toEqual([
      0n,
      BigInt(Math.round((-1.5 - PG_EPOCH_MS) * 1000)),
      BigInt(MAX_TIME_MS - PG_EPOCH_MS) * 1000n,
      // PostgreSQL's earliest timestamptz (its MIN_TIMESTAMP).
      -211_813_488_000_000_000n,
    ]);
  });

  it('rounds times to whole microseconds, before and after the epochs', () => {
    const times = [PG_EPOCH_MS + 0.0014, PG_EPOCH_MS - 0.0016, 0.25, -0.25];
    const batch = encodeBatch(
      times.map((timeMs) => point({ timeMs })),
      0,
    );
    expect(readArray(batch.times, 1184).map((b) => b.readBigInt64BE(0))).toEqual([
      1n,
      -2n,
      BigInt(-PG_EPOCH_MS * 1000 + 250),
      BigInt(-PG_EPOCH_MS * 1000 - 250),
    ]);
  });

  it('refuses a bad point by its index in the caller’s array, the first run id included', () => {
    expect(() => encodeBatch([point({ runId: '' })], 0)).toThrow(/^run "" not found$/);
    expect(() => encodeBatch([point({ runId: undefined as unknown as string })], 0)).toThrow(/not found/);
    expect(() => encodeBatch([point({}), point({ runId: 'nope' })], 0)).toThrow(/^run "nope" not found$/);
    expect(() => encodeBatch([point({}), point({ step: -1 })], 10)).toThrow(/^points\[11\]\.step: got -1/);
    expect(() => encodeBatch([point({ name: 'a\0b' })], 0)).toThrow(/^points\[0\]\.name/);
    expect(() => encodeBatch([point({ name: 'é'.repeat(513) })], 0)).toThrow(/at most 1024 bytes/);
    expect(() => encodeBatch([point({ value: '1' as unknown as number })], 0)).toThrow(/^points\[0\]\.value/);
    for (const timeMs of [Number.NaN, Infinity, MIN_TIME_MS - 1, MAX_TIME_MS + 1, null, '5']) {
      expect(() => encodeBatch([point({ timeMs: timeMs as number })], 0), String(timeMs)).toThrow(
        /^points\[0\]\.timeMs: .*4714 BC/,
      );
    }
  });

  it('keeps an empty batch empty', () => {
    const batch = encodeBatch([], 0);
    expect(batch.runIds).toEqual([]);
    expect(readArray(batch.steps, 23)).toEqual([]);
  });
});

describe('dedupe', () => {
  it('keeps the last point of each (run, step, name) in the place of the first, run ids in any case', () => {
    const a1 = point({ step: 1, value: 1 });
    const b1 = point({ step: 1, name: 'acc', value: 2 });
    const a1Again = point({ runId: RUN_A.toUpperCase(), step: 1, value: 3 });
    const a2 = point({ step: 2, value: 4 });
    expect(dedupe([a1, b1, a1Again, a2])).toEqual([a1Again, b1, a2]);
  });
});
