import {
  type Aggregate,
  answerOf,
  type RowFilter,
  type ScalarAggregate,
  type Table,
  type TableColumn,
  type TableExample,
  type TableQuery,
} from './tables.js';

/**
 * The random source: `Sfc32` of `src/core` satisfies it. The caller keys it by the run's streams
 * (e.g. `(syntheticData, split)`), so a dataset is a pure function of the seed and the options.
 */
export interface RandomChoice {
  /** A uniform integer in [0, n). */
  below(n: number): number;
}

/**
 * Which question templates are drawn:
 * - `sum_count`: sum or count over all rows (the smallest task, for tests);
 * - `filtered`: sum, count or print over the rows greater or less than a number;
 * - `full`: every filter (none, greater, lesser, and, or, text match when there is a text
 *   column) with sum, count or print, and differences of two aggregates (paper §4.3).
 */
export type TableTemplates = 'sum_count' | 'filtered' | 'full';

export const TABLE_TEMPLATES: readonly TableTemplates[] = ['sum_count', 'filtered', 'full'];

export interface TableTaskOptions {
  /** Numeric columns, 1 to {@link COLUMN_NAMES}.length − 1. */
  readonly columns: number;
  /** Whether the table has a column of words after the numeric ones (the text-entries variant). */
  readonly textColumn: boolean;
  readonly minRows: number;
  readonly maxRows: number;
  /** Cell values and question numbers are integers in [−maxValue, maxValue]. */
  readonly maxValue: number;
  readonly templates: TableTemplates;
}

/** Column names; each table draws its own, so a question must name the column it means. */
export const COLUMN_NAMES: readonly string[] = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'];

/** The words of text columns. */
export const TEXT_WORDS: readonly string[] = ['red', 'green', 'blue', 'black', 'white', 'gold'];

/** The synonyms of the issue; a question picks one per operation word. */
export const SYNONYMS = {
  sum: ['total', 'total of', 'sum of'],
  count: ['count of', 'how many'],
  greater: ['greater than', 'bigger', 'larger'],
  lesser: ['less than', 'smaller', 'under'],
  print: ['display', 'show'],
} as const satisfies Record<string, readonly string[]>;

/** Words the templates use besides column names, text words, synonyms and numbers. */
const GLUE = ['where', 'rows', 'and', 'or', 'is', 'difference', 'between'];

/** Every word a generated question can hold except numbers: the base of a vocabulary. */
export function tableQuestionWords(): string[] {
  const synonyms = Object.values(SYNONYMS).flatMap((phrases) => phrases.flatMap((p) => p.split(' ')));
  return [...new Set([...GLUE, ...COLUMN_NAMES, ...TEXT_WORDS, ...synonyms])];
}

function pick<T>(rng: RandomChoice, items: readonly T[]): T {
  return items[rng.below(items.length)] as T;
}

function value(rng: RandomChoice, maxValue: number): number {
  return rng.below(2 * maxValue + 1) - maxValue;
}

/** A table of `options.columns` numeric columns (and a text column) with distinct random names. */
export function drawTable(options: TableTaskOptions, rng: RandomChoice): Table {
  const rows = options.minRows + rng.below(options.maxRows - options.minRows + 1);
  const width = options.columns + (options.textColumn ? 1 : 0);
  const names = [...COLUMN_NAMES];
  const columns: TableColumn[] = [];
  for (let c = 0; c < width; c += 1) {
    const name = names.splice(rng.below(names.length), 1)[0] as string;
    const numeric = c < options.columns;
    columns.push(
      numeric
        ? { name, kind: 'number', values: Array.from({ length: rows }, () => value(rng, options.maxValue)) }
        : { name, kind: 'text', values: Array.from({ length: rows }, () => pick(rng, TEXT_WORDS)) },
    );
  }
  return { rows, columns };
}

function drawFilter(table: Table, options: TableTaskOptions, rng: RandomChoice, kinds: string[]): RowFilter {
  const kind = pick(rng, kinds);
  const column = rng.below(options.columns);
  const [a, b] = [value(rng, options.maxValue), value(rng, options.maxValue)];
  switch (kind) {
    case 'greater':
    case 'lesser':
      return { kind, column, value: a };
    case 'and':
      return { kind, column, low: Math.min(a, b), high: Math.max(a, b) };
    case 'or':
      return { kind, column, low: Math.max(a, b), high: Math.min(a, b) };
    case 'text': {
      const text = table.columns[options.columns];
      if (text?.kind !== 'text') throw new Error('no text column');
      return { kind, column: options.columns, word: pick(rng, text.values) };
    }
    default:
      return { kind: 'none' };
  }
}

function drawScalar(options: TableTaskOptions, rng: RandomChoice): ScalarAggregate {
  return rng.below(2) === 0 ? { kind: 'sum', column: rng.below(options.columns) } : { kind: 'count' };
}

/** A query of `options.templates` over `table`. */
export function drawQuery(table: Table, options: TableTaskOptions, rng: RandomChoice): TableQuery {
  if (options.templates === 'sum_count') {
    return { kind: 'aggregate', filter: { kind: 'none' }, aggregate: drawScalar(options, rng) };
  }
  if (options.templates === 'full' && rng.below(5) === 0) {
    const first = drawScalar(options, rng);
    const filter = drawFilter(table, options, rng, ['greater', 'lesser']);
    return { kind: 'difference', first, filter, second: drawScalar(options, rng) };
  }
  const kinds =
    options.templates === 'filtered'
      ? ['none', 'greater', 'lesser']
      : ['none', 'greater', 'lesser', 'and', 'or', ...(options.textColumn ? ['text'] : [])];
  const filter = drawFilter(table, options, rng, kinds);
  const aggregate: Aggregate =
    rng.below(3) === 2 ? { kind: 'print', column: rng.below(options.columns) } : drawScalar(options, rng);
  return { kind: 'aggregate', filter, aggregate };
}

function phrase(rng: RandomChoice, synonyms: readonly string[]): string[] {
  return pick(rng, synonyms).split(' ');
}

function name(table: Table, column: number): string {
  return table.columns[column]?.name ?? '';
}

function filterWords(table: Table, filter: RowFilter, rng: RandomChoice): string[] {
  if (filter.kind === 'none') return [];
  const where = ['where', name(table, filter.column)];
  switch (filter.kind) {
    case 'greater':
      return [...where, ...phrase(rng, SYNONYMS.greater), String(filter.value)];
    case 'lesser':
      return [...where, ...phrase(rng, SYNONYMS.lesser), String(filter.value)];
    case 'and':
    case 'or':
      return [
        ...where,
        ...phrase(rng, SYNONYMS.greater),
        String(filter.low),
        filter.kind,
        ...phrase(rng, SYNONYMS.lesser),
        String(filter.high),
      ];
    case 'text':
      return [...where, 'is', filter.word];
  }
}

function aggregateWords(table: Table, aggregate: Aggregate, rng: RandomChoice): string[] {
  switch (aggregate.kind) {
    case 'sum':
      return [...phrase(rng, SYNONYMS.sum), name(table, aggregate.column)];
    case 'count':
      return [...phrase(rng, SYNONYMS.count), 'rows'];
    case 'print':
      return [...phrase(rng, SYNONYMS.print), name(table, aggregate.column)];
  }
}

/** The words of `query` on `table`, numbers as decimal tokens (e.g. `-42`), synonyms drawn from `rng`. */
export function wordQuestion(table: Table, query: TableQuery, rng: RandomChoice): string[] {
  if (query.kind === 'difference') {
    return [
      'difference',
      'between',
      ...aggregateWords(table, query.first, rng),
      'and',
      ...aggregateWords(table, query.second, rng),
      ...filterWords(table, query.filter, rng),
    ];
  }
  return [...aggregateWords(table, query.aggregate, rng), ...filterWords(table, query.filter, rng)];
}

/** `count` examples, each on a table of its own, labelled by the reference interpreter `answerOf`. */
export function tableExamples(options: TableTaskOptions, count: number, rng: RandomChoice): TableExample[] {
  return Array.from({ length: count }, () => {
    const table = drawTable(options, rng);
    const query = drawQuery(table, options, rng);
    return { table, query, question: wordQuestion(table, query, rng), answer: answerOf(table, query) };
  });
}
