export { babiFilePattern, loadBabiDir } from './files.js';
export {
  GENERATED_QUESTIONS,
  GENERATED_SEED,
  GENERATED_TASKS,
  generateBabiLines,
  generatedBabiSplit,
} from './generate/index.js';
export { decodeUtf8, parseBabi, words } from './parse.js';
export {
  type BabiFact,
  type BabiQuestion,
  type BabiSplit,
  memoryOf,
  splitValidation,
  TRAIN_FRACTION,
  trainingCount,
} from './types.js';
