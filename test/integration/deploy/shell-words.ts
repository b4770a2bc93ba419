/**
 * Just enough of the POSIX shell grammar to read a Dockerfile `RUN` line: the line is cut into
 * `&&`-joined commands, each command into `|`-joined stages, each stage into words with quotes
 * removed. Quotes and `$( … )` are respected, so a pipe or `&&` inside them does not cut. `;`, `||`
 * and `&` at the top level are refused rather than guessed at: the replay must not silently change
 * what a step means.
 */

export interface PipelineStage {
  /** The stage's text as written, for handing to the real shell. */
  readonly raw: string;
  /** Its words, quotes removed (a `$( … )` stays as written inside its word). */
  readonly words: readonly string[];
}

export type Command = readonly PipelineStage[];

export function splitRunLine(line: string): Command[] {
  const commands: PipelineStage[][] = [[]];
  let raw = '';
  let words: string[] = [];
  let word: string | null = null;
  let quote: "'" | '"' | null = null;
  let depth = 0;
  const endWord = () => {
    if (word !== null) words.push(word);
    word = null;
  };
  const endStage = () => {
    endWord();
    if (words.length === 0) throw new Error(`empty command in RUN line: ${line}`);
    commands.at(-1)?.push({ raw: raw.trim(), words });
    raw = '';
    words = [];
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i] ?? '';
    const next = line[i + 1] ?? '';
    if (quote === null && depth === 0) {
      if (c === '&' && next === '&') {
        endStage();
        commands.push([]);
        i += 1;
        continue;
      }
      if (c === '|' && next === '|') throw new Error(`'||' is not supported by the replay: ${line}`);
      if (c === '|') {
        endStage();
        continue;
      }
      if (c === ';' || c === '&') throw new Error(`'${c}' is not supported by the replay: ${line}`);
      if (/\s/.test(c)) {
        endWord();
        raw += c;
        continue;
      }
    }
    raw += c;
    if (quote === null && c === '$' && next === '(') {
      depth += 1;
      word = `${word ?? ''}$(`;
      raw += next;
      i += 1;
    } else if (quote === null && depth > 0 && c === ')') {
      depth -= 1;
      word = `${word ?? ''})`;
    } else if (quote === null && (c === "'" || c === '"') && depth === 0) {
      quote = c;
      word = word ?? '';
    } else if (quote !== null && c === quote) {
      quote = null;
    } else if (c === '\\' && quote !== "'" && i + 1 < line.length) {
      word = `${word ?? ''}${next}`;
      raw += next;
      i += 1;
    } else {
      word = `${word ?? ''}${c}`;
    }
  }
  if (quote !== null || depth !== 0) throw new Error(`unterminated quote or $( in RUN line: ${line}`);
  endStage();
  return commands;
}
