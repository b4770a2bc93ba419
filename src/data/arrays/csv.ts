import { AppError } from '../../core/index.js';

/**
 * A numeric CSV table with a named label column: the first line names the columns, every other
 * non-empty line is one sample. Fields are separated by commas and may be double-quoted (`""`
 * inside quotes is one quote, and a quoted field may span lines); lines end in LF or CRLF. Every
 * field must be a finite decimal number (`1`, `-0.5`, `3e-2`); the label column is the target,
 * every other column a feature, in file order.
 *
 * Errors are INVALID_ARGUMENT starting with `path:line N` (1-based, the line where the sample
 * starts) and naming the column and what was found.
 */
export interface CsvTable {
  /** The header's names, label column included. */
  readonly columns: readonly string[];
  /** Samples (data lines). */
  readonly count: number;
  /** Feature columns per sample (all columns but the label). */
  readonly features: number;
  /** Row-major features, `count × features`. */
  readonly x: Float32Array;
  /** The label column. */
  readonly y: Float32Array;
}

function invalid(path: string, line: number, problem: string): AppError {
  return new AppError('INVALID_ARGUMENT', `${path}:line ${line}: ${problem}`);
}

/** The records of `text` with the line each starts on; blank lines are skipped. */
function* records(path: string, text: string): Generator<{ line: number; fields: string[] }> {
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const start = line;
    const fields: string[] = [];
    let field = '';
    let quoted = false;
    let wasQuoted = false;
    for (; i < text.length; i += 1) {
      const c = text[i] as string;
      if (quoted) {
        if (c === '"' && text[i + 1] === '"') {
          field += '"';
          i += 1;
        } else if (c === '"') quoted = false;
        else {
          if (c === '\n') line += 1;
          field += c;
        }
      } else if (c === '"' && field === '' && !wasQuoted) {
        quoted = true;
        wasQuoted = true;
      } else if (c === ',') {
        fields.push(field);
        field = '';
        wasQuoted = false;
      } else if (c === '\n' || c === '\r') {
        break;
      } else field += c;
    }
    if (quoted) throw invalid(path, start, 'a quoted field is not closed before the end of the file');
    fields.push(field);
    if (text[i] === '\r' && text[i + 1] === '\n') i += 1;
    i += 1;
    line += 1;
    if (!(fields.length === 1 && fields[0]?.trim() === '' && !wasQuoted)) yield { line: start, fields };
  }
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Parses a whole table; `labelColumn` must be one of the header's names. */
export function parseCsv(path: string, text: string, labelColumn: string): CsvTable {
  const all = records(path, text);
  const head = all.next();
  if (head.done === true)
    throw invalid(path, 1, 'the file is empty; expected a header line naming the columns');
  const columns = head.value.fields.map((f) => f.trim());
  const label = columns.indexOf(labelColumn);
  if (label < 0) {
    throw invalid(
      path,
      head.value.line,
      `no column ${JSON.stringify(labelColumn)} (the label column); the header has: ${columns.join(', ')}`,
    );
  }
  const features = columns.length - 1;
  const x: number[] = [];
  const y: number[] = [];
  for (const { line, fields } of all) {
    if (fields.length !== columns.length) {
      throw invalid(path, line, `${fields.length} fields; the header has ${columns.length} columns`);
    }
    for (const [j, raw] of fields.entries()) {
      const text = raw.trim();
      const value = Number(text);
      if (!NUMBER.test(text) || !Number.isFinite(value)) {
        throw invalid(
          path,
          line,
          `column ${columns[j]}: got ${JSON.stringify(raw)}; allowed: a finite decimal number`,
        );
      }
      (j === label ? y : x).push(value);
    }
  }
  if (y.length === 0) throw invalid(path, head.value.line + 1, 'no data lines after the header');
  return { columns, count: y.length, features, x: Float32Array.from(x), y: Float32Array.from(y) };
}
