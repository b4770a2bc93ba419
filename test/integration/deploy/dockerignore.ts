/**
 * `.dockerignore` as Docker's build context reads it (moby/patternmatcher): patterns are cleaned
 * paths relative to the context; `*` and `?` stay within one path segment, `**` spans any number of
 * segments; a pattern that matches a directory matches everything under it; `!` re-includes; the last
 * pattern that matches a path decides. Comments and blank lines are skipped.
 *
 * Only what this repository's file uses is needed, but the rules above are applied in full so that a
 * changed `.dockerignore` is judged as Docker would judge it.
 */

interface Pattern {
  readonly negated: boolean;
  readonly regex: RegExp;
}

function toRegex(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] ?? '';
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` may also match no segment at all.
      if (glob[i + 2] === '/') {
        out += '(?:.*/)?';
        i += 2;
      } else {
        out += '.*';
        i += 1;
      }
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i);
      out += end < 0 ? '\\[' : glob.slice(i, end + 1).replace(/^\[!/, '[^');
      if (end >= 0) i = end;
    } else if (c === '\\' && i + 1 < glob.length) {
      out += `\\${glob[i + 1]}`;
      i += 1;
    } else out += c.replace(/[.+^${}()|\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/** Normalises a context-relative path the way Docker cleans patterns: no leading `./` or `/`, no trailing `/`. */
function clean(path: string): string {
  return path
    .replace(/^(\.\/|\/)+/, '')
    .replace(/\/+$/, '')
    .replace(/\/{2,}/g, '/');
}

/** Compiles the text of a `.dockerignore`; the result says whether a context-relative path is sent. */
export function compileDockerignore(text: string): (path: string) => boolean {
  const patterns: Pattern[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    const body = clean(negated ? line.slice(1).trim() : line);
    if (body !== '') patterns.push({ negated, regex: toRegex(body) });
  }
  return (path: string): boolean => {
    const parts = clean(path).split('/');
    // The path itself and each of its parent directories, since a pattern on a directory covers it all.
    const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let included = true;
    for (const pattern of patterns) {
      if (candidates.some((c) => pattern.regex.test(c))) included = pattern.negated;
    }
    return included;
  };
}
