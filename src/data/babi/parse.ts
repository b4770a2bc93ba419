import { AppError } from '../../core/index.js';
import type { BabiFact, BabiQuestion } from './types.js';

/**
 * Parser of the released bAbI text format (Weston et al. 2015, the `tasks_1-20_v1-2` files):
 *
 * - every line is `ID text`; the ID starts at 1 for each story and grows by one per line;
 * - a question line is `question?<TAB>answer<TAB>supporting ids` (space-separated ids of earlier
 *   statements of the same story); question lines are not statements, so they never enter memory;
 * - a multi-word answer is one comma-joined token (`milk,football`, `n,e`) and stays one class.
 *
 * Words are lowercased, `.` and `?` removed, then split on white space (the original MemN2N code's
 * tokenisation). Every problem is an INVALID_ARGUMENT whose message starts with `file:line` and says
 * what was expected.
 */
export function parseBabi(text: string, file: string): BabiQuestion[] {
  const questions: BabiQuestion[] = [];
  let facts: BabiFact[] = [];
  let previous = 0;
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const where = `${file}:${index + 1}`;
    if (line.trim() === '') {
      if (index === lines.length - 1) return; // the final newline
      throw bad(where, 'an empty line; expected `ID text`');
    }
    const match = /^(\d+) (.*)$/.exec(line);
    const text = match?.[2]?.trim() ?? '';
    if (match === null || text === '') {
      throw bad(where, `truncated line ${JSON.stringify(line)}; expected \`ID text\``);
    }
    const id = Number(match[1]);
    if (id === 1) {
      facts = [];
    } else if (id !== previous + 1) {
      throw bad(where, `line id ${id}; expected ${previous + 1} (or 1 to start a story)`);
    }
    previous = id;
    const fields = text.split('\t');
    if (fields.length === 1) {
      if (text.includes('?'))
        throw bad(where, 'a question with no answer; expected `question?<TAB>answer<TAB>ids`');
      facts.push({ id, words: words(text) });
      return;
    }
    const [question = '', answer = '', supportText] = fields;
    if (answer.trim() === '')
      throw bad(where, 'a question with no answer; expected `question?<TAB>answer<TAB>ids`');
    if (supportText === undefined || fields.length > 3) {
      throw bad(where, `${fields.length} tab-separated fields; expected 3: question, answer, supporting ids`);
    }
    const supports = parseSupports(supportText, id, facts, where);
    questions.push({
      facts: facts.slice(),
      question: words(question),
      answer: answer.trim().toLowerCase(),
      supports,
      source: where,
    });
  });
  if (questions.length === 0)
    throw bad(`${file}:1`, 'no question; expected at least one `question?<TAB>answer<TAB>ids` line');
  return questions;
}

function parseSupports(text: string, id: number, facts: readonly BabiFact[], where: string): number[] {
  const parts = text
    .trim()
    .split(/\s+/)
    .filter((part) => part !== '');
  if (parts.length === 0)
    throw bad(where, 'no supporting ids; expected at least one id of an earlier statement');
  return parts.map((part) => {
    const support = /^\d+$/.test(part) ? Number(part) : Number.NaN;
    if (!Number.isInteger(support))
      throw bad(where, `supporting id ${JSON.stringify(part)}; expected an integer`);
    if (support >= id || !facts.some((fact) => fact.id === support)) {
      throw bad(
        where,
        `supporting id ${support} points past the story; expected the id of a statement before line id ${id}`,
      );
    }
    return support;
  });
}

/** Lowercase, `.` and `?` removed, split on white space. */
export function words(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[.?]/g, ' ')
    .split(/\s+/)
    .filter((word) => word !== '');
}

function bad(where: string, problem: string): AppError {
  return new AppError('INVALID_ARGUMENT', `${where}: ${problem}`);
}

/**
 * `bytes` as UTF-8 text, or INVALID_ARGUMENT naming `file`, the first line that is not UTF-8 and
 * the expectation.
 */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    return decoder.decode(bytes);
  } catch {
    let line = 1;
    let start = 0;
    for (let i = 0; i <= bytes.length; i += 1) {
      if (i === bytes.length || bytes[i] === 0x0a) {
        try {
          decoder.decode(bytes.subarray(start, i));
        } catch {
          break;
        }
        line += 1;
        start = i + 1;
      }
    }
    throw bad(`${file}:${line}`, 'bytes that are not UTF-8; expected UTF-8 text');
  }
}
