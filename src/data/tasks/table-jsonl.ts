import { readFileSync } from 'node:fs';
import { invalidArgument } from '../../core/index.js';
import { checkDataPath, type DataRootPolicy } from '../roots.js';
import type { TableAnswer, TableColumn, TableQuestion } from './tables.js';

/**
 * Users' own tables and questions, one JSON object per line (JSON Lines); blank lines are skipped:
 *
 * ```json
 * {"split": "train", "columns": [{"name": "alpha", "values": [3, -1, 7]},
 *   {"name": "colour", "values": ["red", "blue", "red"]}],
 *  "question": "sum of alpha where colour is red", "answer": 10}
 * ```
 *
 * - `split`: `train`, `validation` or `test`.
 * - `columns`: at least one, each with a non-empty `name` and `values` of one length (the rows), all
 *   integers (a numeric column) or all strings (a text column).
 * - `question`: words separated by spaces; integers in it are the numbers a comparison may use.
 * - `answer`: a number (a scalar answer) or `{"cells": [[row, column], ...]}` (a lookup answer,
 *   0-based indices into the table).
 *
 * A bad line is an INVALID_ARGUMENT naming the file, the line and the key, e.g.
 * `/data/q.jsonl:3 answer.cells[0]: got [9,0]; allowed: [row, column] inside the 3×2 table`.
 */
export const TABLE_SPLITS = ['train', 'validation', 'test'] as const;
export type TableSplit = (typeof TABLE_SPLITS)[number];

export type TableFile = Readonly<Record<TableSplit, readonly TableQuestion[]>>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseColumns(value: unknown, at: string): { rows: number; columns: TableColumn[] } {
  if (!Array.isArray(value) || value.length === 0)
    throw invalidArgument(`${at} columns`, value, 'a non-empty array');
  let rows = -1;
  const columns = value.map((column: unknown, c): TableColumn => {
    const field = `${at} columns[${c}]`;
    if (!isRecord(column)) throw invalidArgument(field, column, 'an object with name and values');
    const { name, values } = column;
    if (typeof name !== 'string' || !/^\S+$/.test(name))
      throw invalidArgument(`${field}.name`, name, 'one word');
    if (!Array.isArray(values) || values.length === 0)
      throw invalidArgument(`${field}.values`, values, 'a non-empty array');
    if (rows >= 0 && values.length !== rows)
      throw invalidArgument(`${field}.values`, values.length, `${rows} values, as the first column has`);
    rows = values.length;
    if (values.every((v) => Number.isSafeInteger(v)))
      return { name, kind: 'number', values: values as number[] };
    if (values.every((v) => typeof v === 'string' && /^\S+$/.test(v)))
      return { name, kind: 'text', values: values as string[] };
    throw invalidArgument(`${field}.values`, values, 'all integers or all single words');
  });
  return { rows, columns };
}

function parseAnswer(value: unknown, at: string, rows: number, columns: number): TableAnswer {
  if (typeof value === 'number' && Number.isFinite(value)) return { kind: 'scalar', value };
  const cells = isRecord(value) ? value.cells : undefined;
  if (!Array.isArray(cells))
    throw invalidArgument(`${at} answer`, value, 'a number or {"cells": [[row, column], ...]}');
  return {
    kind: 'lookup',
    cells: cells.map((cell: unknown, i) => {
      const [r, c] = Array.isArray(cell) ? cell : [];
      const inside = Array.isArray(cell) && cell.length === 2 && [r, c].every(Number.isInteger);
      if (
        !inside ||
        (r as number) < 0 ||
        (r as number) >= rows ||
        (c as number) < 0 ||
        (c as number) >= columns
      )
        throw invalidArgument(
          `${at} answer.cells[${i}]`,
          cell,
          `[row, column] inside the ${rows}×${columns} table`,
        );
      return [r as number, c as number] as const;
    }),
  };
}

/** The table layout a model takes: a file's tables must have it. */
export interface TableLayout {
  /** Numeric columns, which come first. */
  readonly columns: number;
  /** Text columns after them (0 or 1). */
  readonly textColumns: number;
  /** Most rows. */
  readonly rows: number;
}

function checkLayout(
  table: { rows: number; columns: readonly TableColumn[] },
  at: string,
  layout: TableLayout,
): void {
  const kinds = table.columns.map((c) => c.kind).join(',');
  const want = [...Array(layout.columns).fill('number'), ...Array(layout.textColumns).fill('text')].join(',');
  if (kinds !== want)
    throw invalidArgument(`${at} columns`, kinds, `columns of the kinds ${want}, as the config says`);
  if (table.rows > layout.rows)
    throw invalidArgument(`${at} columns[0].values`, table.rows, `at most ${layout.rows} rows`);
}

/**
 * Parses a JSON Lines file's `text` (see the module docs), every table in `layout`; `file` names it
 * in errors.
 */
export function parseTableJsonl(text: string, file: string, layout: TableLayout): TableFile {
  const out: Record<TableSplit, TableQuestion[]> = { train: [], validation: [], test: [] };
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const at = `${file}:${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw invalidArgument(at, line.slice(0, 80), `a JSON object (${(error as Error).message})`);
    }
    if (!isRecord(value)) throw invalidArgument(at, value, 'a JSON object');
    const { split, columns, question, answer } = value;
    if (!TABLE_SPLITS.includes(split as TableSplit))
      throw invalidArgument(`${at} split`, split, TABLE_SPLITS.join(', '));
    const table = parseColumns(columns, at);
    checkLayout(table, at, layout);
    if (typeof question !== 'string' || question.trim() === '')
      throw invalidArgument(`${at} question`, question, 'a non-empty string');
    out[split as TableSplit].push({
      table,
      question: question.trim().split(/\s+/),
      answer: parseAnswer(answer, at, table.rows, table.columns.length),
    });
  });
  return out;
}

/** Reads and parses `path` after checking it against `policy`; `field` names the config field. */
export function readTableJsonl(
  policy: DataRootPolicy,
  field: string,
  path: string,
  layout: TableLayout,
): TableFile {
  checkDataPath(policy, field, path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw invalidArgument(
      field,
      path,
      `a readable file (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`,
    );
  }
  return parseTableJsonl(text, path, layout);
}
