import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../src/core/index.js';
import { loadBabiDir, parseBabi } from '../../../../src/data/babi/index.js';
import { ANY_DATA_DIR, dataRootPolicy } from '../../../../src/data/index.js';

const STORY = [
  '1 Mary moved to the bathroom.',
  '2 John went to the hallway.',
  '3 Where is Mary? \tbathroom\t1',
  '4 Daniel went back to the hallway.',
  '5 Sandra moved to the garden.',
  '6 What is John carrying?\tmilk,football\t2 4',
  '1 Sandra travelled to the office.',
  '2 Is Sandra in the office?\tyes\t1',
  '',
].join('\n');

function dirWith(files: Record<string, string | Uint8Array>): string {
  const dir = mkdtempSync(join(tmpdir(), 'babi-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function thrown(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}

describe('parseBabi', () => {
  it('reads stories: ids restarting per story, questions not in memory, comma answers as one class', () => {
    const questions = parseBabi(STORY, 'qa1_test.txt');
    expect(
      questions.map((q) => [q.question.join(' '), q.answer, q.supports, q.facts.map((f) => f.id)]),
    ).toEqual([
      ['where is mary', 'bathroom', [1], [1, 2]],
      ['what is john carrying', 'milk,football', [2, 4], [1, 2, 4, 5]],
      ['is sandra in the office', 'yes', [1], [1]],
    ]);
    expect(questions[0]?.facts[0]?.words).toEqual(['mary', 'moved', 'to', 'the', 'bathroom']);
    expect(questions[1]?.source).toBe('qa1_test.txt:6');
  });

  it.each([
    [
      'a truncated line',
      '1 Mary moved to the bathroom.\n2\n',
      'qa.txt:2: truncated line "2"; expected `ID text`',
    ],
    [
      'a question with no answer',
      '1 Mary went home.\n2 Where is Mary?\n',
      'qa.txt:2: a question with no answer',
    ],
    ['an empty answer', '1 Mary went home.\n2 Where is Mary?\t\t1\n', 'qa.txt:2: a question with no answer'],
    [
      'a missing support field',
      '1 Mary went home.\n2 Where is Mary?\thome\n',
      'qa.txt:2: 2 tab-separated fields',
    ],
    [
      'a support past the story',
      '1 Mary went home.\n2 Where is Mary?\thome\t3\n',
      'qa.txt:2: supporting id 3 points past the story',
    ],
    [
      'a support on a question line',
      '1 Mary went home.\n2 Where is Mary?\thome\t1\n3 Where is Mary?\thome\t2\n',
      'qa.txt:3: supporting id 2 points past the story',
    ],
    ['an id out of order', '1 Mary went home.\n3 Mary left.\n', 'qa.txt:2: line id 3; expected 2'],
    ['no question', '1 Mary went home.\n', 'qa.txt:1: no question'],
  ])('refuses %s with INVALID_ARGUMENT naming file and line', (_, text, message) => {
    const error = thrown(() => parseBabi(text, 'qa.txt'));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain(message);
  });
});

describe('loadBabiDir', () => {
  const good = {
    'qa1_single-supporting-fact_train.txt': STORY.repeat(1),
    'qa1_single-supporting-fact_test.txt': STORY,
  };

  it('reads the released names and holds out the last 10 % of training questions', () => {
    const train = Array.from({ length: 10 }, () => STORY).join('');
    const dir = dirWith({ ...good, 'qa1_single-supporting-fact_train.txt': train });
    const split = loadBabiDir(dir, 1, ANY_DATA_DIR, 'data.dir');
    expect([split.train.length, split.validation.length, split.test.length]).toEqual([27, 3, 3]);
    expect(split.validation[2]?.source).toMatch(/_train\.txt:80$/);
  });

  it('refuses a directory outside the data roots before reading it', () => {
    const dir = dirWith(good);
    const error = thrown(() => loadBabiDir(dir, 1, dataRootPolicy(['/srv/data'], 'TEST_ROOTS'), 'data.dir'));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain(`data.dir: got "${dir}"`);
  });

  it('an empty directory is FAILED_PRECONDITION naming it and the expected names', () => {
    const dir = dirWith({});
    const error = thrown(() => loadBabiDir(dir, 1, ANY_DATA_DIR, 'data.dir'));
    expect(error.code).toBe('FAILED_PRECONDITION');
    expect(error.message).toBe(
      `${dir}: expected one file qa1_<name>_train.txt (the released bAbI names); the directory is empty`,
    );
  });

  it('a non-UTF-8 file is INVALID_ARGUMENT naming file and line', () => {
    const bytes = Buffer.concat([
      Buffer.from('1 Mary went home.\n2 Mary '),
      Buffer.from([0xff, 0xfe]),
      Buffer.from(' left.\n'),
    ]);
    const dir = dirWith({ ...good, 'qa1_single-supporting-fact_test.txt': bytes });
    const error = thrown(() => loadBabiDir(dir, 1, ANY_DATA_DIR, 'data.dir'));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe(
      `${join(dir, 'qa1_single-supporting-fact_test.txt')}:2: bytes that are not UTF-8; expected UTF-8 text`,
    );
  });
});
