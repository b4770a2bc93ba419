import { isAbsolute } from 'node:path';
import { invalidArgument } from '../../core/index.js';
import { GENERATED_TASKS } from '../../data/babi/index.js';
import type { ConfigSchema } from '../schema/index.js';

/** Where the stories come from: this project's generator, or the released files in `dir`. */
export type BabiSource = 'generated' | 'files';

/**
 * Options of the End-to-End Memory Network trainer (paper §4.2; Sukhbaatar et al. 2015). Defaults
 * are the original MemN2N-babi-matlab settings, which the paper keeps.
 */
export interface MemN2NConfig {
  /** bAbI task number, 1–20 (generated: the tasks the generator writes). */
  readonly task: number;
  readonly data: { readonly source: BabiSource; readonly dir?: string };
  /** Memory hops K. Default 3. */
  readonly hops: number;
  /** Embedding size d. Default 20. */
  readonly embeddingSize: number;
  /** Sentences in memory (the last ones of the story). Default 50. */
  readonly memorySize: number;
  /** Two-stage training: attention softmaxes removed in phase `linear_start`. Default true. */
  readonly linearStart: boolean;
  /** Longest linear start, in epochs. Default 20. */
  readonly linearStartEpochs: number;
  /** Linear start also ends after this many epochs without a better validation loss. Default 5. */
  readonly linearStartPatience: number;
  /** Random noise in time: up to this fraction of empty time slots inserted in training. Default 0.1. */
  readonly randomTime: number;
  /** Position encoding of the words of a sentence (else a plain bag of words). Default true. */
  readonly positionEncoding: boolean;
  /** Questions per optimizer step. Default 32. */
  readonly batchSize: number;
}

export const MEMN2N_SCHEMA: ConfigSchema = {
  task: {
    kind: 'int',
    default: 1,
    min: 1,
    max: 20,
    doc: 'bAbI task number (generated: 1, 2, 3, 6, 7, 8, 11, 12, 13, 15, 16).',
  },
  data: {
    kind: 'object',
    doc: 'Stories: generated in code (ours, not bAbI) or the released 1k files of a server directory.',
    fields: {
      source: {
        kind: 'enum',
        choices: ['generated', 'files'],
        default: 'generated',
        protoEnumPrefix: 'BABI_SOURCE_',
        doc: 'generated: the seeded bAbI-style generator; files: qa{N}_{name}_train/test.txt in dir.',
      },
      dir: {
        kind: 'string',
        doc: 'Absolute server directory of the released files; required for files, absent for generated.',
      },
    },
  },
  hops: { kind: 'int', default: 3, min: 1, max: 10, doc: 'Memory hops K (paper: 3).' },
  embeddingSize: { kind: 'int', default: 20, min: 1, max: 512, doc: 'Embedding size d (paper: 20).' },
  memorySize: {
    kind: 'int',
    default: 50,
    min: 1,
    max: 1000,
    doc: 'Sentences in memory, the last ones (paper: 50).',
  },
  linearStart: {
    kind: 'bool',
    default: true,
    doc: 'Two-stage training: phase linear_start without attention softmaxes, then default (paper: both).',
  },
  linearStartEpochs: {
    kind: 'int',
    default: 20,
    min: 1,
    max: 1000,
    doc: 'Longest linear start in epochs (20).',
  },
  linearStartPatience: {
    kind: 'int',
    default: 5,
    min: 1,
    max: 1000,
    doc: 'Linear start ends after this many epochs without a better validation loss (5).',
  },
  randomTime: {
    kind: 'float',
    default: 0.1,
    min: 0,
    max: 1,
    doc: 'Random noise in time: fraction of empty time slots inserted in training (0.1); 0 turns it off.',
  },
  positionEncoding: {
    kind: 'bool',
    default: true,
    doc: 'Position encoding of words (true), else bag of words.',
  },
  batchSize: { kind: 'int', default: 32, min: 1, max: 4096, doc: 'Questions per optimizer step (32).' },
};

/** Cross-field rules: a generated task must be one the generator writes; files need an absolute dir. */
export function refineMemN2NConfig(config: MemN2NConfig): MemN2NConfig {
  const { source, dir } = config.data;
  if (source === 'generated') {
    if (!GENERATED_TASKS.includes(config.task)) {
      throw invalidArgument(
        'task',
        config.task,
        `one of ${GENERATED_TASKS.join(', ')} when data.source is generated`,
      );
    }
    if (dir !== undefined) throw invalidArgument('data.dir', dir, 'absent when data.source is generated');
    return config;
  }
  if (typeof dir !== 'string' || !isAbsolute(dir)) {
    throw invalidArgument('data.dir', dir, 'an absolute directory path (required when data.source is files)');
  }
  return config;
}
