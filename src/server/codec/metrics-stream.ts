import protobuf from 'protobufjs';
import type { StreamMetricsResponse } from '../../generated/proto/gradnoise/v1/StreamMetricsResponse.js';

/**
 * A hand-written serializer for `gradnoise.v1.StreamMetricsResponse`, installed in place of
 * proto-loader's for StreamMetrics only.
 *
 * Why: a replay sends every stored point of a run (a million for a long one), and proto-loader's
 * serializer runs protobufjs's reflective `fromObject` first, turning every int64 step and
 * timestamp into a `Long` and every enum name into its number. That was a large share of the
 * service's event-loop time per replayed point (docs/benchmarks.md, "Figures behind the code",
 * and Replay). This writes the same fields
 * straight to a protobufjs `Writer` in field order, writing every field that is set (zeros
 * included) as protobufjs's encoder does, so the bytes are identical to proto-loader's
 * (`test/unit/server/metrics-stream.test.ts`).
 *
 * Field numbers (proto/gradnoise/v1/training.proto): StreamMetricsResponse points = 1, status = 2,
 * final = 3; MetricPoint step = 1, name = 2, value = 3, time = 4; Timestamp seconds = 1, nanos = 2.
 */
export function createStreamMetricsSerializer(
  statusNumbers: Readonly<Record<string, number>>,
): (message: StreamMetricsResponse) => Buffer {
  const statusNumber = (status: StreamMetricsResponse['status']): number => {
    if (status === undefined || status === null) return 0;
    if (typeof status === 'number') return status;
    const n = statusNumbers[status];
    if (n === undefined) throw new Error(`unknown RunStatus ${status}`);
    return n;
  };
  return (message) => {
    // Conversions as protobufjs's fromObject makes them: Number(value), nanos | 0.
    const w = protobuf.Writer.create();
    for (const p of message.points ?? []) {
      w.uint32(10).fork();
      if (p.step != null) w.uint32(8).int64(p.step);
      if (p.name != null) w.uint32(18).string(p.name);
      if (p.value != null) w.uint32(25).double(Number(p.value));
      const time = p.time;
      if (time != null) {
        w.uint32(34).fork();
        if (time.seconds != null) w.uint32(8).int64(time.seconds);
        if (time.nanos != null) w.uint32(16).int32(time.nanos | 0);
        w.ldelim();
      }
      w.ldelim();
    }
    if (message.status != null) w.uint32(16).int32(statusNumber(message.status));
    if (message.final != null) w.uint32(24).bool(message.final);
    return w.finish() as Buffer;
  };
}
