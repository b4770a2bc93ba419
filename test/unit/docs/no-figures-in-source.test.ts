import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/*
 * Measured figures (timings, speed-ups, throughputs, memory per step) belong in docs/benchmarks.md,
 * where each carries its date and the command that reproduces it; a source comment gives the why
 * and points there ("Figures behind the code"). A figure in a comment goes stale without anyone
 * noticing, so this scans every comment of src/ (TypeScript and WebAssembly text; src/generated is
 * derived from proto/ and scanned there) and of proto/ for the shapes such a figure takes.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A number as written in prose: `5`, `1,520`, `2.47`; not the tail of `2^53`, `x_1` or `1/2`. */
const NUM = String.raw`(?<![\w.^/±])\d+(?:,\d{3})*(?:\.\d+)?`;

/** The shapes of a measured figure, each with a name for the failure message. */
const FIGURES: ReadonlyArray<readonly [string, RegExp]> = [
  [
    'a time',
    new RegExp(
      String.raw`${NUM}\s*(?:(?:CPU|wall)\s+)?(?:ms|µs|μs|us|ns|s|seconds?|milliseconds?|microseconds?)\b`,
      'g',
    ),
  ],
  // `2.47x faster`, `13× the forward`; not a shape (`20 × 50`, `28×28`) or hex (`0x1f`).
  ['a ratio', new RegExp(String.raw`${NUM}\s?[x×](?![\w.])(?!\s*\d)`, 'g')],
  ['a ratio', new RegExp(String.raw`${NUM}\s+times\s+(?:faster|slower|more|less|as)\b`, 'g')],
  [
    'a rate',
    new RegExp(
      String.raw`${NUM}\s*[kM]?\s*(?:points|runs|requests|steps|examples|normals|rows|bytes|[KMG]i?B)\s*(?:\/\s*(?:s|h)\b|per\s+(?:second|minute|hour)\b)`,
      'g',
    ),
  ],
  [
    'memory per unit of work',
    new RegExp(
      String.raw`${NUM}\s*(?:[KMG]i?B|bytes)(?:\s+of\s+\w+)?\s+(?:per|each|every)\s+(?:step|call|point|run|request|checkpoint|normal|batch)\b`,
      'g',
    ),
  ],
  [
    'a percentage',
    new RegExp(
      String.raw`${NUM}\s*%\s*(?:faster|slower|more|less|fewer|of\s+(?:the|a|its)\s+(?:\w+[\s-]+)?(?:step|time|CPU|machine|core|loop))\b`,
      'g',
    ),
  ],
];

/** A default value is configuration, not a measurement: `Default 5,000 ms`, `Prisma's default is 5 s`. */
const AFTER_DEFAULT = /\bdefault(?:s|\s+is|:)?\s*$/i;

/**
 * Figures that are not measurements. Each entry names the file, a fragment of one line of the
 * comment that holds the figure (the match must lie inside it) and why it may stay.
 */
const ALLOWED: ReadonlyArray<{ readonly file: string; readonly fragment: string; readonly reason: string }> =
  [
    {
      file: 'src/runs/metrics.ts',
      fragment: 'Step times from 100 µs to ~100 s',
      reason: "the span of a histogram's buckets: a constant of the code below it",
    },
    {
      file: 'src/runs/metrics.ts',
      fragment: 'Store write times from 1 ms to ~10 s',
      reason: "the span of a histogram's buckets: a constant of the code below it",
    },
    {
      file: 'src/optim/box-muller.wat',
      fragment: 'ln m = 2 atanh(s) = 2 s (1 + s²/3',
      reason: 'a series in the variable s, not seconds',
    },
    {
      file: 'src/server/codec/run.ts',
      fragment: 'carries only about 0.2 µs of precision',
      reason: 'the float64 spacing of an epoch-millisecond count today (2^-12 ms): arithmetic, not measured',
    },
  ];

interface Comment {
  readonly file: string;
  /** Line of the comment's first character, 1-based. */
  readonly line: number;
  /** The raw comment text. */
  readonly raw: string;
}

interface Finding {
  readonly file: string;
  readonly line: number;
  readonly kind: string;
  readonly figure: string;
  readonly context: string;
}

/** Every comment of a TypeScript file, from the tokens' leading trivia (so strings never count). */
function typeScriptComments(text: string): Array<{ start: number; end: number }> {
  const source = ts.createSourceFile('file.ts', text, ts.ScriptTarget.Latest, true);
  const ranges = new Map<number, { start: number; end: number }>();
  const visit = (node: ts.Node): void => {
    if (node.kind >= ts.SyntaxKind.FirstJSDocNode && node.kind <= ts.SyntaxKind.LastJSDocNode) return;
    const children = node.getChildren(source);
    if (children.length === 0) {
      // Leading ranges skip a comment on the previous token's line (`f(); // …`): that one is the
      // previous token's trailing comment.
      const leading = ts.getLeadingCommentRanges(text, node.getFullStart()) ?? [];
      const trailing = ts.getTrailingCommentRanges(text, node.getEnd()) ?? [];
      for (const range of [...leading, ...trailing])
        ranges.set(range.pos, { start: range.pos, end: range.end });
    }
    for (const child of children) visit(child);
  };
  visit(source);
  return [...ranges.values()];
}

/** Comments of WebAssembly text (`;;` lines) or a proto file (`//` lines and blocks). */
function lineComments(text: string, pattern: RegExp): Array<{ start: number; end: number }> {
  return [...text.matchAll(pattern)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
}

/** The file's comments, consecutive line comments joined so a figure split over lines is seen whole. */
function commentsOf(file: string): Comment[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const ranges = file.endsWith('.ts')
    ? typeScriptComments(text)
    : lineComments(text, file.endsWith('.wat') ? /;;[^\n]*/g : /\/\*[\s\S]*?\*\/|\/\/[^\n]*/g);
  ranges.sort((a, b) => a.start - b.start);
  const merged: Array<{ start: number; end: number }> = [];
  for (const range of ranges) {
    const last = merged.at(-1);
    if (last !== undefined && /^\s*$/.test(text.slice(last.end, range.start))) last.end = range.end;
    else merged.push({ ...range });
  }
  return merged.map(({ start, end }) => ({
    file,
    line: text.slice(0, start).split('\n').length,
    raw: text.slice(start, end),
  }));
}

/** Comment markers and line breaks blanked out, character for character, so offsets still map. */
function prose(raw: string): string {
  return raw.replace(/\/\*\*?|\*\/|^[ \t]*\*|\/\/|;;|\n/gm, (marker) => ' '.repeat(marker.length));
}

/** The figures a comment states, minus defaults and the allowlist. */
function figuresIn(comment: Comment): Finding[] {
  const text = prose(comment.raw);
  const findings: Finding[] = [];
  for (const [kind, pattern] of FIGURES) {
    for (const match of text.matchAll(pattern)) {
      const at = match.index;
      if (AFTER_DEFAULT.test(text.slice(Math.max(0, at - 20), at))) continue;
      const allowed = ALLOWED.some(({ file, fragment }) => {
        if (file !== comment.file) return false;
        const from = text.indexOf(fragment);
        return from >= 0 && from <= at && at + match[0].length <= from + fragment.length;
      });
      if (allowed) continue;
      findings.push({
        file: comment.file,
        line: comment.line + comment.raw.slice(0, at).split('\n').length - 1,
        kind,
        figure: match[0],
        context: text
          .slice(Math.max(0, at - 40), at + match[0].length + 20)
          .replace(/\s+/g, ' ')
          .trim(),
      });
    }
  }
  return findings;
}

/** Source files under `dir` (relative to the root) ending in one of `extensions`. */
function sourceFiles(dir: string, extensions: readonly string[]): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((file) => extensions.some((ext) => file.endsWith(ext)))
    .filter((file) => !file.startsWith(join('src', 'generated')))
    .sort();
}

const FILES = [...sourceFiles('src', ['.ts', '.wat']), ...sourceFiles('proto', ['.proto'])];

describe('source comments state no measured figures (they go in docs/benchmarks.md)', () => {
  it('finds the shapes of a figure, and lets constants, shapes and defaults be', () => {
    const scan = (text: string) =>
      figuresIn({ file: 'src/example.ts', line: 1, raw: `/**\n * ${text}\n */` });
    for (const figure of [
      '2.47x faster per normal',
      'made the backward pass 13× the forward',
      'cut it from 27.2 to\n * 7.5 CPU ms',
      'Gather took 11 ms',
      'about 3 times faster',
      '(1.4 MB of garbage per step',
      'step 7 % slower',
      'took 3–5 % of a two-core machine',
      'replay at 419,722 points/s',
      'took over 5 s, this',
    ]) {
      expect(scan(figure), figure).toHaveLength(1);
    }
    for (const fine of [
      'Default 5,000 ms.',
      "Prisma's default is 5 s.",
      'the paper’s 20 × 50 MLP on 28×28 digits',
      'a `[32, 27, 4, 24]` 3×3 convolution',
      'the magic `0x00000803`',
      'exact within ±2^53 µs of 2000',
      'γ = 0.55 and η ∈ {0.01, 1.0}',
      'at most 1 MiB, in order',
      '~97% of draws land in the fast region',
      'below 1, 2, 3 or 5 %',
    ]) {
      expect(scan(fine), fine).toEqual([]);
    }
  });

  it('joins consecutive line comments, so a figure split over two lines is still found', () => {
    const raw = '// through createMany took over 5\n      // s, this takes less';
    const findings = figuresIn({ file: 'src/example.ts', line: 7, raw });
    expect(findings.map((f) => [f.line, f.figure.replace(/\s+/g, ' ')])).toEqual([[7, '5 s']]);
  });

  it('sees a comment at the end of a line of code', () => {
    const text = 'const a = 1; // 2.47x faster\nconst b = 2;\n';
    const comments = typeScriptComments(text).map((r) => text.slice(r.start, r.end));
    expect(comments).toEqual(['// 2.47x faster']);
  });

  it('scans src/ and proto/, not generated code', () => {
    expect(FILES).toContain('src/optim/clip.ts');
    expect(FILES).toContain('src/optim/ziggurat.wat');
    expect(FILES).toContain('proto/gradnoise/v1/training.proto');
    expect(FILES.filter((file) => file.startsWith('src/generated'))).toEqual([]);
  });

  it('no comment under src/ or proto/ states a measured figure', () => {
    const findings = FILES.flatMap((file) => commentsOf(file).flatMap(figuresIn));
    const report = findings.map((f) => `${f.file}:${f.line}: ${f.kind} "${f.figure}" in "…${f.context}…"`);
    expect(
      report,
      'move these to docs/benchmarks.md, "Figures behind the code", with date and command',
    ).toEqual([]);
  });

  it('every allowlist entry still matches a comment (stale entries are removed)', () => {
    for (const entry of ALLOWED) {
      const comments = commentsOf(entry.file).map((c) => prose(c.raw));
      expect(
        comments.some((c) => c.includes(entry.fragment)),
        `${entry.file}: ${entry.fragment}`,
      ).toBe(true);
    }
  });
});
