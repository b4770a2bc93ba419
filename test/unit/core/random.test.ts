import { describe, expect, it } from 'vitest';
import {
  CURRENT_STREAM_VERSION,
  DATASET_STREAM_VERSION,
  keyedStream,
  noiseStreams,
  runStreams,
  Sfc32,
  STREAM_VERSIONS,
  Stream,
  type StreamPurpose,
  streamFor,
} from '../../../src/core/index.js';
import { moments } from '../../helpers/stats.js';

const draw = (r: Sfc32, n = 4) => Array.from({ length: n }, () => r.uint32());

describe('run streams', () => {
  it.each(STREAM_VERSIONS)(
    'version %i: repeat for the same key and differ for any change of seed, purpose or index',
    (version) => {
      const stream = (seed: number, purpose: StreamPurpose, ...indices: number[]) =>
        draw(runStreams(seed, version).stream(purpose, ...indices));
      expect(stream(7, Stream.init, 3)).toEqual(stream(7, Stream.init, 3));
      const variants = [
        stream(7, Stream.init, 3),
        stream(8, Stream.init, 3),
        stream(7, Stream.dropout, 3),
        stream(7, Stream.init, 4),
        stream(7, Stream.init, 3, 0),
        stream(7, Stream.init, 3 + 2 ** 32),
        stream(0xffffffff, Stream.init, 3),
        stream(7, Stream.init),
      ];
      expect(new Set(variants.map((v) => JSON.stringify(v))).size).toBe(variants.length);
    },
  );

  it('version 1 draws exactly the numbers of before stream versions (recorded at cab56fc)', () => {
    const v1 = runStreams(0xfffffff0, 1);
    expect(v1.version).toBe(1);
    expect(draw(v1.stream(Stream.dropout, 12, 1), 3)).toEqual([3014139557, 587033237, 2979234313]);
    const init = runStreams(7, 1).stream(Stream.init, 0);
    expect([init.normal(), init.normal(), init.uniform()]).toEqual([
      -1.4974744294104323, 0.15463799149874122, 0.15741676511242986,
    ]);
  });

  it('version 2 keys every stream with the noise hash, and draws other numbers than version 1', () => {
    expect(CURRENT_STREAM_VERSION).toBe(2);
    const v2 = runStreams(7, 2).stream(Stream.dropout, 5, 1);
    // [seed lo, seed hi, "run\0" | purpose, then each index as lo, hi]
    expect(draw(v2)).toEqual(draw(keyedStream([7, 0, 0x72756e03, 5, 0, 1, 0])));
    for (const purpose of Object.values(Stream)) {
      expect(draw(runStreams(7, 2).stream(purpose, 5))).not.toEqual(
        draw(runStreams(7, 1).stream(purpose, 5)),
      );
    }
  });

  it('keeps datasets on one version, so runs of every version see the same data', () => {
    expect(DATASET_STREAM_VERSION).toBe(1);
  });
});

describe('noise streams (the same in every stream version)', () => {
  it('draw exactly the numbers of before stream versions (recorded at cab56fc)', () => {
    expect(draw(streamFor(11, 3, 2, 5), 2)).toEqual([646078367, 287490296]);
    const [lane0] = noiseStreams(2 ** 40 + 3, 7, 1);
    expect([lane0.next(), lane0.next()]).toEqual([898576532, 236310326]);
  });

  it('never equal a version-2 run stream (their keys have an even number of words, run keys odd)', () => {
    const noise = draw(streamFor(7, 5, 0, 0));
    expect(draw(keyedStream([7, 0, 5, 0, 0, 0]))).toEqual(noise);
    expect(draw(runStreams(7, 2).stream(Stream.init, 5))).not.toEqual(noise);
  });
});

describe('Sfc32', () => {
  it('gives uniforms in [0, 1) and standard normals with the right moments', () => {
    const r = keyedStream([1, 2, 3]);
    const u = Float64Array.from({ length: 100_000 }, () => r.uniform());
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(moments(u).mean).toBeCloseTo(0.5, 2);
    const z = r.fillNormal(new Float32Array(100_000), 0, 1);
    expect(moments(z).mean).toBeCloseTo(0, 1);
    expect(Math.abs(moments(z).std - 1)).toBeLessThan(0.01);
    const open = Float64Array.from({ length: 10_000 }, () => r.nextOpenUnit());
    expect(Math.min(...open)).toBeGreaterThan(0);
    expect(Math.max(...open)).toBeLessThan(1);
  });

  it('permutes 0..n-1 and draws unbiased integers below n', () => {
    const p = keyedStream([9]).permutation(1000);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect([...p.subarray(0, 10)]).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const r = keyedStream([10]);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i += 1) {
      const k = r.below(3);
      counts[k] = (counts[k] ?? 0) + 1;
    }
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
  });

  it('keeps its state in public words: a copy of them continues the same stream', () => {
    const r = keyedStream([4, 2]);
    r.next();
    const copy = new Sfc32(r.a, r.b, r.c, r.d);
    expect(draw(copy, 8)).toEqual(draw(r, 8));
  });
});
