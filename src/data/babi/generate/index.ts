import { DATASET_STREAM_VERSION, runStreams, type Sfc32, Stream } from '../../../core/index.js';
import { parseBabi } from '../parse.js';
import { type BabiSplit, splitValidation } from '../types.js';
import { deductionStory, inductionStory } from './logic-tasks.js';
import { peopleStory } from './people-tasks.js';
import { WORLD_TASKS, worldStory } from './world-tasks.js';

/**
 * A seeded generator of bAbI-style tasks, written for this project and modelled on the world of
 * the bAbI simulator (facebookarchive/bAbI-tasks: actors, locations, objects; move, get, drop; question
 * templates). It is ours: a rewrite cannot reproduce the released data, so these sets are "generated bAbI-style tasks", never "bAbI". See README.md.
 */

/** The task numbers the generator writes. */
export const GENERATED_TASKS: readonly number[] = [...WORLD_TASKS.keys(), 11, 12, 13, 15, 16].sort(
  (a, b) => a - b,
);

/** One story of `task` holding at most `budget` questions. */
function story(task: number, rng: Sfc32, budget: number): string[] {
  if (task === 11 || task === 12 || task === 13) return peopleStory(task, rng, budget);
  if (task === 15) return deductionStory(rng, budget);
  if (task === 16) return inductionStory(rng);
  return worldStory(task, rng, budget);
}

/** Questions per split, as in the released 1k set. */
export const GENERATED_QUESTIONS = 1_000;

/** The dataset's seed: generated data is part of the task, not of a run, so every run sees the same set. */
export const GENERATED_SEED = 0x62616269; // "babi"

/** The lines (released format, ids restarting per story) of stories holding exactly `questions` questions. */
export function generateBabiLines(task: number, questions: number, rng: Sfc32): string[] {
  if (!GENERATED_TASKS.includes(task))
    throw new RangeError(`task ${task} is not generated; generated: ${GENERATED_TASKS.join(', ')}`);
  const lines: string[] = [];
  let asked = 0;
  while (asked < questions) {
    const told = story(task, rng, questions - asked);
    asked += told.filter((line) => line.includes('\t')).length;
    lines.push(...told);
  }
  return lines;
}

/**
 * Generated task `task`: `questions` training and as many test questions from the fixed dataset
 * seed (or `seed`), parsed by the same parser as the released files, and split like them.
 */
export function generatedBabiSplit(
  task: number,
  questions = GENERATED_QUESTIONS,
  seed = GENERATED_SEED,
): BabiSplit {
  const streams = runStreams(seed, DATASET_STREAM_VERSION);
  const [train, test] = (['train', 'test'] as const).map((split, i) =>
    parseBabi(
      `${generateBabiLines(task, questions, streams.stream(Stream.syntheticData, task, i)).join('\n')}\n`,
      `generated:qa${task}_${split}`,
    ),
  );
  return splitValidation(train ?? [], test ?? []);
}
