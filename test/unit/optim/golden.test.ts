import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GOLDEN_CASES, type GoldenRecord, runGoldenCase } from './golden-cases.js';
import { expectNoLeakedTensors } from './helpers.js';

/** Recorded from the noisy optimizer before it became one chain (`fixtures/record-golden.ts`). */
const GOLDEN = JSON.parse(
  readFileSync(new URL('fixtures/noisy-optimizer-golden.json', import.meta.url), 'utf8'),
) as Record<string, Record<string, GoldenRecord>>;

beforeAll(async () => {
  await tf.setBackend('cpu');
});
expectNoLeakedTensors({ beforeEach, afterEach });
afterAll(async () => {
  await tf.setBackend('cpu');
});

describe.each(['cpu', 'wasm'])('the noisy optimizer on %s against its recorded trajectories', (backend) => {
  beforeEach(async () => {
    expect(await tf.setBackend(backend)).toBe(true);
  });

  it.each(Object.keys(GOLDEN_CASES))('%s: bit for bit, with and without overwriteGradients', (name) => {
    const recorded = GOLDEN[backend]?.[name];
    expect(recorded).toBeDefined();
    // JSON numbers round-trip doubles exactly, and float32 values are doubles: toEqual is bitwise here.
    expect(runGoldenCase(name, false)).toEqual(recorded);
    expect(runGoldenCase(name, true)).toEqual(recorded);
  });
});
