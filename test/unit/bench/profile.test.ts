import { describe, expect, it } from 'vitest';
import { formatShares, summarizeProfile } from '../../../bench/lib/profile.js';

const frame = (functionName: string, url: string) => ({ functionName, url });

describe('service profile summary', () => {
  it('charges each sample to the nearest package or src module up its stack, without idle or start-up', () => {
    const profile = {
      nodes: [
        { id: 1, callFrame: frame('(root)', ''), children: [2, 5, 6, 7, 8] },
        { id: 2, callFrame: frame('handler', 'file:///app/src/server/training-service.ts'), children: [3] },
        { id: 3, callFrame: frame('query', 'file:///app/node_modules/pg/lib/client.js'), children: [4] },
        { id: 4, callFrame: frame('parse', 'file:///app/node_modules/pg-protocol/dist/parser.js') },
        { id: 5, callFrame: frame('(idle)', '') },
        { id: 6, callFrame: frame('(garbage collector)', '') },
        { id: 7, callFrame: frame('load', 'file:///app/node_modules/tsx/dist/loader.mjs') },
        { id: 8, callFrame: frame('encode', 'file:///app/node_modules/@grpc/proto-loader/build/index.js') },
      ],
      samples: [4, 3, 2, 5, 6, 7, 8, 8],
      timeDeltas: [1000, 1000, 2000, 50_000, 1000, 9000, 2000, 1000],
    };
    const summary = summarizeProfile(profile);
    expect(summary.busyMs).toBe(8);
    expect(summary.shares).toEqual([
      { owner: '@grpc/proto-loader', share: 3 / 8 },
      { owner: 'src/server', share: 2 / 8 },
      { owner: 'pg-protocol', share: 1 / 8 },
      { owner: 'pg', share: 1 / 8 },
      { owner: '(garbage collector)', share: 1 / 8 },
    ]);
    expect(formatShares(summary)).toBe(
      '@grpc/proto-loader 38 % · src/server 25 % · pg-protocol 13 % · pg 13 % · (garbage collector) 13 %',
    );
  });
});
