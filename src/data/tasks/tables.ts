/**
 * Synthetic table question answering, the task of the Neural Programmer (Neelakantan, Le &
 * Sutskever, 2016) used in paper §4.3 (Table 3). A table has named numeric columns (and, in the
 * text variant, one column of words); a question is a template over it: a row filter (none,
 * greater than N, less than N, greater than N1 and/or less than N2, a text match) combined with
 * sum, count or print, or the difference of two such aggregates. The answer is a scalar or, for
 * print, a lookup: a set of cells.
 *
 * This module holds the types and the reference interpreter ({@link answerOf}); `table-questions.ts`
 * draws tables and questions and words them.
 */

/** A column of integers. */
export interface NumberColumn {
  readonly name: string;
  readonly kind: 'number';
  readonly values: readonly number[];
}

/** A column of words (the text-entries variant). */
export interface TextColumn {
  readonly name: string;
  readonly kind: 'text';
  readonly values: readonly string[];
}

export type TableColumn = NumberColumn | TextColumn;

/** A table: its columns all have the same number of rows. */
export interface Table {
  readonly rows: number;
  readonly columns: readonly TableColumn[];
}

/** Which rows a question is about. `column` indexes `Table.columns`. */
export type RowFilter =
  | { readonly kind: 'none' }
  | { readonly kind: 'greater'; readonly column: number; readonly value: number }
  | { readonly kind: 'lesser'; readonly column: number; readonly value: number }
  /** Rows greater than `low` and (or: or) less than `high` in `column`. */
  | {
      readonly kind: 'and' | 'or';
      readonly column: number;
      readonly low: number;
      readonly high: number;
    }
  /** Rows whose text `column` holds `word`. */
  | { readonly kind: 'text'; readonly column: number; readonly word: string };

/** What is computed over the selected rows. */
export type Aggregate =
  | { readonly kind: 'sum'; readonly column: number }
  | { readonly kind: 'count' }
  | { readonly kind: 'print'; readonly column: number };

/** A scalar aggregate: the operands of a difference. */
export type ScalarAggregate = Exclude<Aggregate, { kind: 'print' }>;

/**
 * The meaning of a question:
 * - `aggregate`: `aggregate` over the rows `filter` selects;
 * - `difference`: `first` over all rows minus `second` over the rows `filter` selects (the order
 *   the Neural Programmer's difference operation reads its operands in, paper §2 of Neelakantan
 *   et al.: the scalar of three steps back minus that of the step before).
 */
export type TableQuery =
  | { readonly kind: 'aggregate'; readonly filter: RowFilter; readonly aggregate: Aggregate }
  | {
      readonly kind: 'difference';
      readonly first: ScalarAggregate;
      readonly filter: RowFilter;
      readonly second: ScalarAggregate;
    };

/** A lookup answer: the selected cells as `[row, column]`, in row-major order. */
export type TableAnswer =
  | { readonly kind: 'scalar'; readonly value: number }
  | { readonly kind: 'lookup'; readonly cells: ReadonlyArray<readonly [number, number]> };

/** A question about a table: its words (numbers as decimal tokens) and its answer. */
export interface TableQuestion {
  readonly table: Table;
  readonly question: readonly string[];
  readonly answer: TableAnswer;
}

/** A generated question, with the query it words. */
export interface TableExample extends TableQuestion {
  readonly query: TableQuery;
}

function numberColumn(table: Table, column: number): NumberColumn {
  const found = table.columns[column];
  if (found?.kind !== 'number') throw new Error(`column ${column} is not a number column`);
  return found;
}

/** Whether row `row` passes `filter`. */
export function rowSelected(table: Table, filter: RowFilter, row: number): boolean {
  if (filter.kind === 'none') return true;
  if (filter.kind === 'text') {
    const column = table.columns[filter.column];
    if (column?.kind !== 'text') throw new Error(`column ${filter.column} is not a text column`);
    return column.values[row] === filter.word;
  }
  const value = numberColumn(table, filter.column).values[row] as number;
  switch (filter.kind) {
    case 'greater':
      return value > filter.value;
    case 'lesser':
      return value < filter.value;
    case 'and':
      return value > filter.low && value < filter.high;
    case 'or':
      return value > filter.low || value < filter.high;
  }
}

/** The rows `filter` selects, ascending. */
export function selectRows(table: Table, filter: RowFilter): number[] {
  return Array.from({ length: table.rows }, (_, row) => row).filter((row) => rowSelected(table, filter, row));
}

function scalarOf(table: Table, aggregate: ScalarAggregate, rows: readonly number[]): number {
  if (aggregate.kind === 'count') return rows.length;
  const { values } = numberColumn(table, aggregate.column);
  return rows.reduce((sum, row) => sum + (values[row] as number), 0);
}

/** The answer of `query` on `table`: the reference the generator labels its questions with. */
export function answerOf(table: Table, query: TableQuery): TableAnswer {
  const rows = selectRows(table, query.filter);
  if (query.kind === 'difference') {
    const all = Array.from({ length: table.rows }, (_, row) => row);
    return { kind: 'scalar', value: scalarOf(table, query.first, all) - scalarOf(table, query.second, rows) };
  }
  const { aggregate } = query;
  if (aggregate.kind === 'print') {
    numberColumn(table, aggregate.column);
    return { kind: 'lookup', cells: rows.map((row) => [row, aggregate.column] as const) };
  }
  return { kind: 'scalar', value: scalarOf(table, aggregate, rows) };
}
