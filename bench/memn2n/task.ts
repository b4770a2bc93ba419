import { writeFile } from 'node:fs/promises';
import { generatedBabiSplit } from '../../src/data/babi/index.js';
import type { RunRequest } from '../../src/runs/compile-spec.js';
import type { EncodedQuestion } from '../../src/trainers/memn2n/encode.js';
import { type EncodedTask, encodeTask, memoryBatch } from '../../src/trainers/memn2n/index.js';
import { PAD_ID } from '../../src/trainers/shared/sequence/index.js';

/**
 * What the MemN2N speed benchmark trains (issue 17, "Speed"; paper §4.2, Sukhbaatar et al. 2015):
 * one generated 1k task on the one-stage schedule, every other setting the trainer's default, and
 * the encoded task handed to the PyTorch reference so both train on the same questions.
 */

/** Epochs of the full schedule whose time the goal bounds (the paper trains 200; issue 17 allows 100). */
export const FULL_EPOCHS = 100;

/**
 * The one-stage run: softmax attention from the start (`linearStart: false`) and "halve the
 * learning rate every 25 epochs" as the run's step schedule. The rest are the definition's
 * defaults: SGD lr 0.01, batch 32, d 20, K 3 hops, memory 50, random time 0.1, each gradient tensor
 * clipped to norm 40, noise η 0.01 and γ 0.55 added after the clip; evaluation and checkpoint
 * cadences are the service's defaults (about 20 and 10 per run).
 */
export function memn2nBenchRequest(task: number, seed: number): RunRequest {
  return {
    trainer: 'memn2n',
    seed,
    maxEpochs: FULL_EPOCHS,
    trainerConfig: { task, linearStart: false },
    lrSchedule: { kind: 'step', factor: 0.5, everyEpochs: 25 },
  };
}

/** One split, padded as the TS model pads a batch (row-major, flattened for a compact JSON). */
export interface ExportedSplit {
  readonly size: number;
  /** Memory slots of the split: its longest story, at most `memorySize`. */
  readonly slots: number;
  /** `[size, slots, J]` word ids, oldest kept statement in slot 0, `padId` in empty places. */
  readonly story: number[];
  /** `[size]` statements in each story (they fill slots 0 … count − 1). */
  readonly counts: number[];
  /** `[size, J]` query word ids. */
  readonly query: number[];
  /** `[size]` answer ids (classes over the whole vocabulary). */
  readonly answers: number[];
}

/** An encoded task as the PyTorch reference reads it (`bench/memn2n/torch_child.py`). */
export interface ExportedTask {
  readonly vocabularySize: number;
  /** Words per sentence J (statements and queries padded to it). */
  readonly sentenceLength: number;
  readonly memorySize: number;
  readonly padId: number;
  readonly train: ExportedSplit;
  readonly validation: ExportedSplit;
  readonly test: ExportedSplit;
}

function exportSplit(
  questions: readonly EncodedQuestion[],
  memorySize: number,
  sentenceLength: number,
): ExportedSplit {
  if (questions.length === 0) return { size: 0, slots: 0, story: [], counts: [], query: [], answers: [] };
  // The model's own batch layout (no random time: that is drawn per training step).
  const batch = memoryBatch(questions, memorySize, sentenceLength);
  const counts = questions.map((_, b) => {
    let n = 0;
    for (let s = 0; s < batch.slots; s += 1) n += batch.sentenceMask[b * batch.slots + s] as number;
    return n;
  });
  return {
    size: batch.size,
    slots: batch.slots,
    story: Array.from(batch.story),
    counts,
    query: Array.from(batch.query),
    answers: Array.from(batch.answers),
  };
}

/** The padded id arrays of every split of `task`, each story its last `memorySize` statements. */
export function exportTask(task: EncodedTask, memorySize: number): ExportedTask {
  const J = task.sentenceLength;
  return {
    vocabularySize: task.vocabulary.size,
    sentenceLength: J,
    memorySize,
    padId: PAD_ID,
    train: exportSplit(task.train, memorySize, J),
    validation: exportSplit(task.validation, memorySize, J),
    test: exportSplit(task.test, memorySize, J),
  };
}

/** Encodes generated task `task` as the trainer does and writes its export to `path` as JSON. */
export async function writeGeneratedTask(
  path: string,
  task: number,
  memorySize: number,
): Promise<ExportedTask> {
  const exported = exportTask(encodeTask(generatedBabiSplit(task), memorySize), memorySize);
  await writeFile(path, JSON.stringify(exported));
  return exported;
}
