import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../../src/backend/index.js';
import { runStreams, Stream } from '../../../../src/core/index.js';
import { generatedBabiSplit } from '../../../../src/data/babi/index.js';
import {
  encodeTask,
  type MemN2NConfig,
  MemN2NSession,
  memn2nTrainer,
  memoryBatch,
  positionEncoding,
} from '../../../../src/trainers/memn2n/index.js';
import { context, readMetric, sgd } from '../helpers.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

const TASK1 = encodeTask(generatedBabiSplit(1), 50);

function session(overrides: Partial<MemN2NConfig>, seed = 1, lr = 0.01): MemN2NSession {
  const config = memn2nTrainer.compile({ ...memn2nTrainer.defaults, ...overrides });
  const optimizer = sgd(seed, lr, 0);
  const s = new MemN2NSession(config, TASK1, context(seed, optimizer));
  optimizer.keyNoiseByName(s.parameterNames());
  return s;
}

describe('memn2n data layout', () => {
  it('uses the Matlab position encoding 1 + 4 (k − (d+1)/2)(j − (J+1)/2) / (dJ), or ones', () => {
    const pe = positionEncoding(3, 2, true);
    // j = 1: (j − 2) = −1; k = 1, 2: (k − 1.5) = ∓0.5; 4 · 0.5 / 6 = 1/3.
    expect(Array.from(pe)).toEqual(
      [1 + 1 / 3, 1 - 1 / 3, 1, 1, 1 - 1 / 3, 1 + 1 / 3].map((v) => Math.fround(v)),
    );
    expect(Array.from(positionEncoding(3, 2, false))).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('gives the newest statement time 1; random time keeps order, distinct indices and the memory bound', () => {
    const questions = TASK1.train.slice(0, 40);
    const plain = memoryBatch(questions, 50, TASK1.sentenceLength);
    const m = plain.slots;
    expect(m).toBe(Math.max(...questions.map((q) => q.story.length)));
    const b = questions.findIndex((q) => q.story.length < m);
    const n = questions[b]?.story.length ?? 0;
    expect(Array.from(plain.time.subarray(b * m, b * m + n + 1))).toEqual([
      ...Array.from({ length: n }, (_, i) => n - i),
      0,
    ]);
    const rng = runStreams(1, 2).stream(Stream.dropout, 0);
    const noisy = memoryBatch(questions, 50, TASK1.sentenceLength, 0.5, rng);
    let shifted = 0;
    questions.forEach((q, b) => {
      const times = Array.from(noisy.time.subarray(b * m, b * m + q.story.length));
      for (let i = 1; i < times.length; i += 1) expect(times[i]).toBeLessThan(times[i - 1] as number);
      expect(Math.min(...times)).toBeGreaterThanOrEqual(1);
      expect(Math.max(...times)).toBeLessThanOrEqual(Math.min(50, Math.ceil(q.story.length * 1.5)));
      if (times[0] !== q.story.length) shifted += 1;
    });
    expect(shifted).toBeGreaterThan(0);
  });
});

describe('memn2n session', () => {
  it('answers a question alike whether its batch pads memory to its own story or to a longer one', () => {
    const s = session({ linearStart: false });
    const short = TASK1.train.find((q) => q.story.length === 2);
    const long = TASK1.train.find((q) => q.story.length >= 8);
    if (short === undefined || long === undefined) throw new Error('no such questions');
    for (const linear of [false, true]) {
      const alone = memoryBatch([short], 50, TASK1.sentenceLength);
      const padded = memoryBatch([short, long], 50, TASK1.sentenceLength);
      expect([alone.slots, padded.slots]).toEqual([2, long.story.length]);
      const [a, b] = tf.tidy(() => [
        s.model.logits(alone, linear).dataSync(),
        s.model.logits(padded, linear).slice([0, 0], [1, -1]).dataSync(),
      ]);
      for (const [i, v] of Array.from(a ?? []).entries()) expect(b?.[i]).toBeCloseTo(v, 5);
    }
    s.dispose();
  });

  it('keeps the nil rows zero after updates, leaks no tensors and reports a finite summed loss', async () => {
    const s = session({ linearStart: false });
    readMetric(s.trainStep(0).loss);
    const before = tf.memory().numTensors;
    for (let step = 1; step < 4; step += 1)
      expect(Number.isFinite(readMetric(s.trainStep(step).loss))).toBe(true);
    await s.evaluate(4);
    expect(tf.memory().numTensors).toBe(before);
    for (const v of [...s.model.embeddings, ...s.model.times]) {
      const nil = tf.tidy(() => v.slice([0, 0], [1, -1]).dataSync());
      expect(nil.every((x) => x === 0)).toBe(true);
    }
    // A row of a real word did move.
    const row = tf.tidy(() => (s.model.embeddings[0] as tf.Variable).slice([2, 0], [1, -1]).dataSync());
    expect(row.some((x) => x !== 0)).toBe(true);
    s.dispose();
  });

  it('leaves no tensor behind once created, trained and disposed', () => {
    const before = tf.memory().numTensors;
    const config = memn2nTrainer.compile({ ...memn2nTrainer.defaults, linearStart: false });
    const optimizer = sgd(1, 0.01, 0);
    const s = new MemN2NSession(config, TASK1, context(1, optimizer));
    readMetric(s.trainStep(0).loss);
    s.dispose();
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('linear start switches to default after linearStartEpochs epochs, and the checkpoint state resumes it', () => {
    const s = session({ batchSize: 300, linearStartEpochs: 2, hops: 1 });
    const phases: string[] = [];
    for (let step = 0; step < 7; step += 1) {
      readMetric(s.trainStep(step).loss);
      phases.push(s.phase);
    }
    expect(phases).toEqual([
      'linear_start',
      'linear_start',
      'linear_start',
      'linear_start',
      'linear_start',
      'default',
      'default',
    ]);
    const other = session({ batchSize: 300, linearStartEpochs: 2, hops: 1 }, 2);
    const state = s.exportState();
    other.importState({ ...state, phase: 'default' });
    tf.dispose(state.tensors.map((t) => t.tensor));
    expect(other.phase).toBe('default');
    expect(() =>
      other.importState({
        tensors: [],
        meta: {
          format: 1,
          vocabulary: { format: 1, tokens: ['x'], unknown: 'error' },
          plateau: { best: null, stale: 0 },
        },
      }),
    ).toThrow(/vocabulary differs/);
    s.dispose();
    other.dispose();
  });

  it('learns generated task 1 to under 5 % test error in ten epochs', async () => {
    const s = session({ linearStart: false }, 1, 0.01);
    for (let step = 0; step < 290; step += 1) readMetric(s.trainStep(step).loss);
    const { test_error } = await s.evaluate(290);
    expect(test_error).toBeLessThan(0.05);
    s.dispose();
  });
});

describe('memn2n config', () => {
  it('refuses a task the generator does not write and files without a directory', () => {
    expect(() => memn2nTrainer.compile({ ...memn2nTrainer.defaults, task: 4 })).toThrow(
      'task: got 4; allowed: one of 1, 2, 3, 6, 7, 8, 11, 12, 13, 15, 16 when data.source is generated',
    );
    expect(() => memn2nTrainer.compile({ ...memn2nTrainer.defaults, data: { source: 'files' } })).toThrow(
      /data.dir: got undefined; allowed: an absolute directory path/,
    );
  });
});
