import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../core/index.js';
import { checkDataPath, type DataRootPolicy } from '../roots.js';
import { decodeUtf8, parseBabi } from './parse.js';
import { type BabiSplit, splitValidation } from './types.js';

/** The released names of task `task`'s files: `qa{N}_{name}_train.txt` and `qa{N}_{name}_test.txt`. */
export function babiFilePattern(task: number, split: 'train' | 'test'): RegExp {
  return new RegExp(`^qa${task}_[A-Za-z0-9-]+_${split}\\.txt$`);
}

/**
 * The files of bAbI task `task` in `dir` (the released 1k English set under its released names),
 * parsed and split (synchronously: the files are small): validation = the last 10 % of the training questions, as the original code.
 *
 * `dir` is checked against `dataRoots` before anything touches it (INVALID_ARGUMENT naming `field`).
 * A directory that cannot be listed, or lacks the task's two files, is FAILED_PRECONDITION naming
 * it and the names expected; a bad file is INVALID_ARGUMENT naming its path and line (`parseBabi`).
 */
export function loadBabiDir(dir: string, task: number, dataRoots: DataRootPolicy, field: string): BabiSplit {
  checkDataPath(dataRoots, field, dir);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    throw new AppError('FAILED_PRECONDITION', `${dir}: cannot list the directory (${reason(error)})`, {
      cause: error,
    });
  }
  const [train, test] = (['train', 'test'] as const).map((split) => {
    const pattern = babiFilePattern(task, split);
    const found = names.filter((name) => pattern.test(name)).sort();
    if (found.length !== 1) {
      const what =
        found.length === 0
          ? names.length === 0
            ? 'is empty'
            : 'has no such file'
          : `has ${found.length}: ${found.join(', ')}`;
      throw new AppError(
        'FAILED_PRECONDITION',
        `${dir}: expected one file qa${task}_<name>_${split}.txt (the released bAbI names); the directory ${what}`,
      );
    }
    const path = join(dir, found[0] as string);
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(path);
    } catch (error) {
      throw new AppError('FAILED_PRECONDITION', `${path}: cannot read (${reason(error)})`, { cause: error });
    }
    return parseBabi(decodeUtf8(bytes, path), path);
  });
  return splitValidation(train ?? [], test ?? []);
}

function reason(error: unknown): string {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') return error.code;
  return error instanceof Error ? error.message : String(error);
}
