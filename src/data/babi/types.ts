/** A statement of a bAbI story: its line id in the story and its words (lowercased, `.` and `?` stripped). */
export interface BabiFact {
  readonly id: number;
  readonly words: readonly string[];
}

/**
 * One question of a bAbI story with everything the model may read: the story's statements told
 * before it (question lines are not memories), the question's words and its answer.
 */
export interface BabiQuestion {
  /** Every statement of the story before the question, oldest first (not cut to a memory size). */
  readonly facts: readonly BabiFact[];
  readonly question: readonly string[];
  /** One answer class: a multi-word answer stays one comma-joined token (`milk,football`, `n,e`). */
  readonly answer: string;
  /** Line ids of the supporting statements, as the file gives them (ids of `facts`). */
  readonly supports: readonly number[];
  /** Where the question was read, `file:line`, for messages. */
  readonly source: string;
}

/** A task's questions split as the original MemN2N code does: validation = the last 10 % of training. */
export interface BabiSplit {
  readonly train: readonly BabiQuestion[];
  readonly validation: readonly BabiQuestion[];
  readonly test: readonly BabiQuestion[];
}

/** The memory of a question: its last `size` statements (the model's memory of the last 50 sentences). */
export function memoryOf(question: BabiQuestion, size: number): readonly BabiFact[] {
  const { facts } = question;
  return facts.length <= size ? facts : facts.slice(facts.length - size);
}

/** Share of the training questions kept for training; the rest, from the end, is validation. */
export const TRAIN_FRACTION = 0.9;

/** Training questions of a set of `questions`: ⌊0.9 n⌋, the code's `train_range`. */
export function trainingCount(questions: number): number {
  return Math.floor(questions * TRAIN_FRACTION);
}

/** Splits `train` into its first `trainingCount` questions and the rest (validation); keeps `test` whole. */
export function splitValidation(train: readonly BabiQuestion[], test: readonly BabiQuestion[]): BabiSplit {
  const cut = trainingCount(train.length);
  return { train: train.slice(0, cut), validation: train.slice(cut), test };
}
