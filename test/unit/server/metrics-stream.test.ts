import { describe, expect, it } from 'vitest';
import type { StreamMetricsResponse } from '../../../src/generated/proto/gradnoise/v1/StreamMetricsResponse.js';
import { createStreamMetricsSerializer, timestampFromMs } from '../../../src/server/codec/index.js';
import { enumNumbers, loadProtos } from '../../../src/server/proto.js';
import { mulberry32 } from '../../helpers/random.js';

const protos = loadProtos();
const fast = createStreamMetricsSerializer(enumNumbers(protos.reflection, 'gradnoise.v1.RunStatus'));
/** proto-loader's own serializer and deserializer for the message (reflective protobufjs path). */
const type = protos.reflection['gradnoise.v1.StreamMetricsResponse'] as unknown as {
  serialize(message: StreamMetricsResponse): Buffer;
  deserialize(bytes: Buffer): unknown;
};

const VALUES = [
  0,
  -0,
  1,
  -1.5,
  1e-300,
  3.4e38,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
];
const NAMES = ['loss', 'test_accuracy', 'grad_norm', '', 'ünïcödé/σ_t', 'x'.repeat(300)];
const STATUSES = [
  'RUN_STATUS_UNSPECIFIED',
  'RUN_STATUS_QUEUED',
  'RUN_STATUS_RUNNING',
  'RUN_STATUS_COMPLETED',
  'RUN_STATUS_FAILED',
  'RUN_STATUS_CANCELLED',
] as const;

function message(seed: number): StreamMetricsResponse {
  const r = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const points = Array.from({ length: Math.floor(r() * 50) }, () => {
    const ms = r() < 0.1 ? 0 : 1.7e12 + Math.floor(r() * 1e12) / 1000;
    return {
      step: r() < 0.5 ? Math.floor(r() * 2 ** 40) : String(Math.floor(r() * 1e6)),
      name: pick(NAMES),
      value: r() < 0.5 ? pick(VALUES) : (r() - 0.5) * 10 ** Math.floor(r() * 20 - 10),
      time: r() < 0.1 ? null : timestampFromMs(ms),
    };
  });
  return { points, status: pick(STATUSES), final: r() < 0.5 };
}

describe('StreamMetrics serializer', () => {
  it('writes the same bytes as proto-loader for varied messages (zeros, NaN, ±Infinity, unicode, int64 as number or string)', () => {
    for (let seed = 0; seed < 300; seed += 1) {
      const m = message(seed);
      const expected = type.serialize(m);
      const actual = fast(m);
      if (!actual.equals(expected)) throw new Error(`seed ${seed}: bytes differ`);
    }
  });

  it('round-trips through the reflective decoder', () => {
    const m: StreamMetricsResponse = {
      points: [{ step: 7, name: 'loss', value: 0.25, time: timestampFromMs(1_795_000_000_123.456) }],
      status: 'RUN_STATUS_RUNNING',
      final: false,
    };
    expect(type.deserialize(fast(m))).toEqual({
      points: [{ step: '7', name: 'loss', value: 0.25, time: { seconds: '1795000000', nanos: 123_456_000 } }],
      status: 'RUN_STATUS_RUNNING',
      final: false,
    });
    expect(fast({ points: [], status: 'RUN_STATUS_COMPLETED', final: true })).toEqual(
      type.serialize({ points: [], status: 'RUN_STATUS_COMPLETED', final: true }),
    );
  });

  it('rejects a status the enum does not have, as the reflective path does', () => {
    expect(() => fast({ points: [], status: 'NOPE' as 'RUN_STATUS_RUNNING' })).toThrow(
      /unknown RunStatus NOPE/,
    );
  });
});
