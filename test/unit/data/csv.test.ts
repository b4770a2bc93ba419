import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ANY_DATA_DIR, loadArrays, parseCsv, summarizeArrays } from '../../../src/data/index.js';

const dir = mkdtempSync(join(tmpdir(), 'gradnoise-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CSV tables with a named label column', () => {
  it('reads features in file order and the label column as y; quotes, CRLF and blank lines', () => {
    const text = 'a,"label",b\r\n1,0,2\r\n\r\n"3.5",1,-4e-1\n" 5",2,6\n';
    const table = parseCsv('t.csv', text, 'label');
    expect(table.columns).toEqual(['a', 'label', 'b']);
    expect(table.count).toBe(3);
    expect(table.features).toBe(2);
    expect([...table.x]).toEqual([1, 2, 3.5, Math.fround(-0.4), 5, 6]);
    expect([...table.y]).toEqual([0, 1, 2]);
  });

  it.each([
    ['', 'label', /t\.csv:line 1: the file is empty/],
    ['a,b\n1,2\n', 'label', /t\.csv:line 1: no column "label" \(the label column\); the header has: a, b/],
    ['a,label\n1,0\n2\n', 'label', /t\.csv:line 3: 1 fields; the header has 2 columns/],
    ['a,label\n1,0\n\nx,1\n', 'label', /t\.csv:line 4: column a: got "x"; allowed: a finite decimal number/],
    ['a,label\n1,0\n2,\n', 'label', /t\.csv:line 3: column label: got ""; allowed: a finite decimal number/],
    ['a,label\n1,Infinity\n', 'label', /t\.csv:line 2: column label: got "Infinity"/],
    ['a,label\n"1\n2",0\n0x10,1\n', 'label', /t\.csv:line 2: column a: got "1\\n2"/],
    ['a,label\n1,0\n"2,1\n', 'label', /t\.csv:line 3: a quoted field is not closed/],
    ['a,label\n', 'label', /t\.csv:line 2: no data lines after the header/],
  ])('refuses %j naming the line', (text, label, error) => {
    expect(() => parseCsv('t.csv', text, label)).toThrow(error);
  });

  it('counts lines inside quoted fields, so a later error names the line the file has', () => {
    expect(() => parseCsv('t.csv', 'a,label\n"x\ny",0\n1,z\n', 'label')).toThrow(/t\.csv:line 2: column a/);
    expect(() => parseCsv('t.csv', 'a,label\n"1\n",0\n1,z\n', 'label')).toThrow(
      /t\.csv:line 4: column label/,
    );
  });

  it('a csv data set is train.csv and test.csv with the same header', async () => {
    const set = join(dir, 'set');
    mkdirSync(set);
    writeFileSync(join(set, 'train.csv'), 'x1,x2,y\n0,1,1\n1,0,0\n1,1,1\n');
    writeFileSync(join(set, 'test.csv'), 'x1,x2,y\n0,0,0\n');
    const source = { format: 'csv' as const, path: set, labelColumn: 'y' };
    expect(summarizeArrays(source, ANY_DATA_DIR)).toEqual({
      trainCount: 3,
      testCount: 1,
      xShape: [2],
      yShape: [],
    });
    const split = await loadArrays(source, ANY_DATA_DIR);
    expect([...split.train.y]).toEqual([1, 0, 1]);
    writeFileSync(join(set, 'test.csv'), 'x2,x1,y\n0,0,0\n');
    expect(() => summarizeArrays(source, ANY_DATA_DIR)).toThrow(
      /test\.csv: line 1: columns x2, x1, y differ from train\.csv's x1, x2, y/,
    );
  });
});
