/**
 * Sequence utilities shared by the trainers that read token sequences (MemN2N on bAbI stories, the
 * Neural Programmer's questions) or unroll a recurrence (the Neural GPU, NRAM): a vocabulary with
 * reserved padding and unknown ids, padding of id sequences and of stories (sequences of
 * sentences) with lengths and masks, masked attention, and backpropagation through time.
 *
 * Conventions: id 0 (`PAD_ID`) is padding everywhere, so a zeroed embedding row 0 is a nil word;
 * masks are float32, 1 for real and 0 for padding; padded layouts are row-major, padding last.
 */
export { type BpttOptions, type BpttResult, bptt, type Unroll } from './bptt.js';
export {
  additiveMask,
  MASKED_LOGIT,
  maskedSoftmax,
  type StoryTensors,
  sequenceTensors,
  storyTensors,
} from './masks.js';
export {
  type IdSequence,
  OVERFLOWS,
  type Overflow,
  type PaddedSequences,
  type PadOptions,
  padSequences,
} from './padding.js';
export {
  type PaddedStories,
  padStories,
  recencyIndices,
  type Story,
  type StoryPadOptions,
} from './stories.js';
export {
  PAD_ID,
  PAD_TOKEN,
  UNKNOWN_ID,
  UNKNOWN_TOKEN,
  type UnknownPolicy,
  Vocabulary,
  type VocabularyJson,
  type VocabularyOptions,
} from './vocabulary.js';
