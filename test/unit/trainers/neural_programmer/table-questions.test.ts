import { describe, expect, it } from 'vitest';
import { Stream } from '../../../../src/core/index.js';
import {
  type Table,
  type TableAnswer,
  type TableTaskOptions,
  tableExamples,
} from '../../../../src/data/tasks/index.js';
import { streamsOf } from '../helpers.js';

const full: TableTaskOptions = {
  columns: 3,
  textColumn: true,
  minRows: 10,
  maxRows: 30,
  maxValue: 100,
  templates: 'full',
};

const draw = (seed: number, count: number, options = full) =>
  tableExamples(options, count, streamsOf(seed).stream(Stream.syntheticData, 0));

/**
 * A plain interpreter of the question's words, written apart from the generator: it parses the
 * sentence with one regular expression per template and computes the answer on the table.
 */
const AGG = '(?:(?:total of|sum of|total) (\\w+)|(?:count of|how many) rows|(?:display|show) (\\w+))';
const GT = '(?:greater than|bigger|larger)';
const LT = '(?:less than|smaller|under)';
const FILTER = `(?: where (\\w+) (?:is (\\w+)|${GT} (-?\\d+)(?: (and|or) ${LT} (-?\\d+))?|${LT} (-?\\d+)))?`;
const QUESTION = new RegExp(`^(?:difference between ${AGG} and ${AGG}|${AGG})${FILTER}$`);

function interpret(table: Table, words: readonly string[]): TableAnswer {
  const m = QUESTION.exec(words.join(' '));
  if (m === null) throw new Error(`unparsed question: ${words.join(' ')}`);
  const g = (i: number) => m[i];
  const byName = (name: string | undefined) => table.columns.find((c) => c.name === name);
  const numbers = (name: string | undefined) => (byName(name)?.values ?? []) as number[];
  const [fCol, word, gt, join, lt2, lt] = [g(7), g(8), g(9), g(10), g(11), g(12)];
  const keep: number[] = [];
  for (let r = 0; r < table.rows; r += 1) {
    const cell = byName(fCol)?.values[r];
    let ok = true;
    if (word !== undefined) ok = cell === word;
    else if (gt !== undefined && join === 'and')
      ok = (cell as number) > Number(gt) && (cell as number) < Number(lt2);
    else if (gt !== undefined && join === 'or')
      ok = (cell as number) > Number(gt) || (cell as number) < Number(lt2);
    else if (gt !== undefined) ok = (cell as number) > Number(gt);
    else if (lt !== undefined) ok = (cell as number) < Number(lt);
    if (ok) keep.push(r);
  }
  const scalar = (sumCol: string | undefined, rows: number[]) =>
    sumCol === undefined ? rows.length : rows.reduce((s, r) => s + (numbers(sumCol)[r] as number), 0);
  if (m[0].startsWith('difference between')) {
    const all = Array.from({ length: table.rows }, (_, r) => r);
    return { kind: 'scalar', value: scalar(g(1), all) - scalar(g(3), keep) };
  }
  if (g(6) !== undefined) {
    const c = table.columns.findIndex((col) => col.name === g(6));
    return { kind: 'lookup', cells: keep.map((r) => [r, c] as const) };
  }
  return { kind: 'scalar', value: scalar(g(5), keep) };
}

describe('the table question generator', () => {
  it('is deterministic per seed, and another seed draws other questions', () => {
    expect(draw(3, 50)).toEqual(draw(3, 50));
    expect(draw(4, 50)).not.toEqual(draw(3, 50));
  });

  it('labels every question with the answer a plain interpreter of its words computes', () => {
    const examples = [
      ...draw(1, 2000),
      ...draw(2, 300, { ...full, columns: 1, textColumn: false, templates: 'filtered' }),
      ...draw(3, 300, { ...full, columns: 5, textColumn: false, maxValue: 200 }),
    ];
    for (const { table, question, answer } of examples) {
      expect(interpret(table, question), question.join(' ')).toEqual(answer);
    }
  });

  it('draws every template, synonym and filter of the full setting, within the bounds', () => {
    const examples = draw(5, 2000);
    const text = examples.map((e) => e.question.join(' ')).join('\n');
    for (const phrase of [
      'total of',
      'sum of',
      'count of',
      'how many',
      'bigger',
      'larger',
      'greater than',
      'less than',
      'smaller',
      'under',
      'display',
      'show',
      'difference between',
      ' is ',
      ' and ',
      ' or ',
    ]) {
      expect(text, phrase).toContain(phrase);
    }
    const kinds = new Set(
      examples.map((e) => (e.query.kind === 'aggregate' ? e.query.filter.kind : e.query.kind)),
    );
    expect([...kinds].sort()).toEqual(['and', 'difference', 'greater', 'lesser', 'none', 'or', 'text']);
    for (const { table } of examples) {
      expect(table.rows).toBeGreaterThanOrEqual(10);
      expect(table.rows).toBeLessThanOrEqual(30);
      expect(table.columns.map((c) => c.kind)).toEqual(['number', 'number', 'number', 'text']);
      expect(new Set(table.columns.map((c) => c.name)).size).toBe(4);
      const values = table.columns.flatMap((c) => (c.kind === 'number' ? c.values : []));
      expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(100);
    }
  });

  it('asks only sum and count over all rows in the sum_count setting', () => {
    const examples = draw(6, 200, { ...full, templates: 'sum_count' });
    for (const { query } of examples) {
      expect(query).toMatchObject({ kind: 'aggregate', filter: { kind: 'none' } });
      expect(query.kind === 'aggregate' && query.aggregate.kind).not.toBe('print');
    }
  });
});
