import { describe, expect, it } from 'vitest';
import { exportTask, FULL_EPOCHS, memn2nBenchRequest } from '../../../bench/memn2n/task.js';
import { generatedBabiSplit } from '../../../src/data/babi/index.js';
import { ANY_DATA_DIR } from '../../../src/data/index.js';
import { compileRunSpec } from '../../../src/runs/compile-spec.js';
import { builtinTrainers } from '../../../src/trainers/index.js';
import { encodeTask } from '../../../src/trainers/memn2n/index.js';
import { PAD_ID } from '../../../src/trainers/shared/sequence/index.js';

describe('the memn2n speed benchmark', () => {
  it('compiles the one-stage schedule with the trainer defaults of issue 17', () => {
    const spec = compileRunSpec(memn2nBenchRequest(2, 7), ANY_DATA_DIR, builtinTrainers);
    expect(spec.trainerConfig).toMatchObject({
      task: 2,
      linearStart: false,
      batchSize: 32,
      embeddingSize: 20,
      hops: 3,
      memorySize: 50,
      randomTime: 0.1,
      positionEncoding: true,
    });
    expect(spec.optimizer).toMatchObject({ kind: 'sgd', learningRate: 0.01 });
    expect(spec.clip).toEqual({ byTensorNorm: 40 });
    expect(spec.noise).toMatchObject({ eta: 0.01, gamma: 0.55 });
    // 900 training questions in batches of 32: 29 steps an epoch; halved every 25 epochs.
    expect(spec.maxSteps).toBe(FULL_EPOCHS * 29);
    expect(spec.lrSchedule).toMatchObject({ kind: 'step', factor: 0.5, everySteps: 25 * 29 });
    expect(spec.seed).toBe(7);
  });

  it('exports every question of the TS encoding, padded, so both arms train on the same ids', () => {
    const task = encodeTask(generatedBabiSplit(1), 50);
    // Through JSON, as the PyTorch child reads it.
    const exported = JSON.parse(JSON.stringify(exportTask(task, 50))) as ReturnType<typeof exportTask>;
    expect(exported).toMatchObject({
      vocabularySize: task.vocabulary.size,
      sentenceLength: task.sentenceLength,
      memorySize: 50,
      padId: PAD_ID,
    });
    const J = task.sentenceLength;
    for (const name of ['train', 'validation', 'test'] as const) {
      const split = exported[name];
      const questions = task[name];
      expect(split.size).toBe(questions.length);
      expect(split.slots).toBe(Math.max(...questions.map((q) => q.story.length)));
      expect(split.story).toHaveLength(split.size * split.slots * J);
      questions.forEach((q, b) => {
        expect(split.answers[b]).toBe(q.answer);
        const query = split.query.slice(b * J, (b + 1) * J);
        expect(query).toEqual([...Array.from(q.query), ...Array(J - q.query.length).fill(PAD_ID)]);
        expect(split.counts[b]).toBe(q.story.length);
        for (let s = 0; s < split.slots; s += 1) {
          const words = split.story.slice((b * split.slots + s) * J, (b * split.slots + s + 1) * J);
          const sentence = s < q.story.length ? Array.from(q.story[s] as ArrayLike<number>) : [];
          expect(words).toEqual([...sentence, ...Array(J - sentence.length).fill(PAD_ID)]);
        }
      });
    }
  });
});
