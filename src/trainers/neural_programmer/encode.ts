import type { TableQuestion } from '../../data/tasks/index.js';
import { tableQuestionWords } from '../../data/tasks/index.js';
import { Vocabulary } from '../shared/sequence/index.js';

/** The token every number of a question is replaced by; its value goes to the number slots. */
export const NUMBER_TOKEN = '<num>';

/** Number slots per question: the and/or templates hold two numbers, the others at most one. */
export const NUMBER_SLOTS = 2;

/**
 * The question vocabulary: the generator's fixed words plus {@link NUMBER_TOKEN}. It depends on
 * nothing but the generator, so a resumed run rebuilds the same ids. Unknown words (a user's
 * question) map to the unknown id.
 */
export function tableVocabulary(): Vocabulary {
  return Vocabulary.build([[...tableQuestionWords(), NUMBER_TOKEN]], { unknown: 'map', field: 'question' });
}

/** A decimal integer token, as the generator writes numbers. */
function numberOf(token: string): number | null {
  return /^-?\d+$/.test(token) ? Number(token) : null;
}

/**
 * One batch as flat row-major arrays, padded to the batch's longest question and to `rows` rows.
 * The comparison masks are precomputed here: they are step functions of the values, so nothing
 * differentiable is lost (see `operations.ts` for how the pivot still gets its gradient).
 */
export interface EncodedBatch {
  readonly size: number;
  /** Longest question `Q`. */
  readonly length: number;
  readonly rows: number;
  readonly columns: number;
  /** `[B, Q]` word ids, numbers as {@link NUMBER_TOKEN}, padding 0. */
  readonly tokens: Int32Array;
  /** `[B, Q]` 1 on words, 0 on padding. */
  readonly tokenMask: Float32Array;
  /** `[B, S]` the question's numbers, in order (S = {@link NUMBER_SLOTS}). */
  readonly numbers: Float32Array;
  /** `[B, S]` 1 on slots holding a number. */
  readonly numberMask: Float32Array;
  /** `[B, S]` the token position of each number (0 for empty slots). */
  readonly numberPositions: Int32Array;
  /** `[B, R, C]` cell values; text columns and padded rows hold 0. */
  readonly values: Float32Array;
  /** `[B, R]` 1 on real rows. */
  readonly rowMask: Float32Array;
  /** `[B, C]` the word id of each column's name. */
  readonly columnNames: Int32Array;
  /** `[B, S, R, C]` 1 where the cell is greater than the slot's number (real rows and numbers only). */
  readonly greater: Float32Array;
  /** `[B, S, R, C]` 1 where the cell is less than the slot's number. */
  readonly lesser: Float32Array;
  /** `[B, R]` 1 where the row's text cell is a word of the question. */
  readonly textMatch: Float32Array;
  /** `[B]` 1 for a lookup answer, 0 for a scalar one. */
  readonly isLookup: Float32Array;
  /** `[B]` the scalar answer (0 for lookups). */
  readonly scalar: Float32Array;
  /** `[B, R, C]` 1 on the cells of a lookup answer. */
  readonly lookup: Float32Array;
}

/** Encodes `examples` for a model of `rows` rows and `columns` columns (numeric plus text). */
export function encodeBatch(
  examples: readonly TableQuestion[],
  vocabulary: Vocabulary,
  rows: number,
  columns: number,
): EncodedBatch {
  const size = examples.length;
  const length = Math.max(1, ...examples.map((e) => e.question.length));
  const S = NUMBER_SLOTS;
  const out = {
    size,
    length,
    rows,
    columns,
    tokens: new Int32Array(size * length),
    tokenMask: new Float32Array(size * length),
    numbers: new Float32Array(size * S),
    numberMask: new Float32Array(size * S),
    numberPositions: new Int32Array(size * S),
    values: new Float32Array(size * rows * columns),
    rowMask: new Float32Array(size * rows),
    columnNames: new Int32Array(size * columns),
    greater: new Float32Array(size * S * rows * columns),
    lesser: new Float32Array(size * S * rows * columns),
    textMatch: new Float32Array(size * rows),
    isLookup: new Float32Array(size),
    scalar: new Float32Array(size),
    lookup: new Float32Array(size * rows * columns),
  };
  examples.forEach((example, b) => {
    const { table, question, answer } = example;
    let slot = 0;
    question.forEach((word, q) => {
      const n = numberOf(word);
      out.tokens[b * length + q] = vocabulary.id(n === null ? word : NUMBER_TOKEN);
      out.tokenMask[b * length + q] = 1;
      if (n !== null && slot < S) {
        out.numbers[b * S + slot] = n;
        out.numberMask[b * S + slot] = 1;
        out.numberPositions[b * S + slot] = q;
        slot += 1;
      }
    });
    const words = new Set(question);
    table.columns.forEach((column, c) => {
      out.columnNames[b * columns + c] = vocabulary.id(column.name);
      for (let r = 0; r < table.rows; r += 1) {
        if (column.kind === 'text') {
          if (words.has(column.values[r] as string)) out.textMatch[b * rows + r] = 1;
          continue;
        }
        const v = column.values[r] as number;
        out.values[(b * rows + r) * columns + c] = v;
        for (let s = 0; s < slot; s += 1) {
          const i = ((b * S + s) * rows + r) * columns + c;
          const pivot = out.numbers[b * S + s] as number;
          out.greater[i] = v > pivot ? 1 : 0;
          out.lesser[i] = v < pivot ? 1 : 0;
        }
      }
    });
    out.rowMask.fill(1, b * rows, b * rows + table.rows);
    if (answer.kind === 'scalar') {
      out.scalar[b] = answer.value;
    } else {
      out.isLookup[b] = 1;
      for (const [r, c] of answer.cells) out.lookup[(b * rows + r) * columns + c] = 1;
    }
  });
  return out;
}
