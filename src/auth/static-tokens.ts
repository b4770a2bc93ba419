import { AppError } from '../core/index.js';
import { hashToken, MAX_TOKEN_LENGTH, MIN_TOKEN_LENGTH } from './token.js';

/** A token configured in the environment, already hashed. */
export interface StaticToken {
  readonly project: string;
  readonly tokenSha256: string;
}

/** Project names: what a label key allows, so they print and index safely. */
export const PROJECT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/**
 * Parses `GRADNOISE_TOKENS` (`project1:token1,project2:token2`) and hashes every token at once,
 * so the clear text is never kept. Errors name the entry by position and never quote a token.
 * A token listed twice is refused: it would be ambiguous which project it opens.
 */
export function parseStaticTokens(raw: string | undefined, variable = 'GRADNOISE_TOKENS'): StaticToken[] {
  if (raw === undefined || raw.trim() === '') return [];
  const out: StaticToken[] = [];
  const seen = new Set<string>();
  raw.split(',').forEach((entry, i) => {
    const where = `${variable}: entry ${i + 1}`;
    const trimmed = entry.trim();
    const colon = trimmed.indexOf(':');
    if (colon < 0) throw configError(`${where} is not "project:token"`);
    const project = trimmed.slice(0, colon).trim();
    const token = trimmed.slice(colon + 1).trim();
    if (!PROJECT_NAME.test(project)) {
      throw configError(
        `${where}: got project ${JSON.stringify(project.slice(0, 80))}; allowed: 1-63 characters of [A-Za-z0-9_.-], starting with a letter or digit`,
      );
    }
    if (token.length < MIN_TOKEN_LENGTH || token.length > MAX_TOKEN_LENGTH || /\s/.test(token)) {
      throw configError(
        `${where} (project ${project}): got a token of ${token.length} characters; allowed: ${MIN_TOKEN_LENGTH}-${MAX_TOKEN_LENGTH} characters without spaces`,
      );
    }
    const tokenSha256 = hashToken(token);
    if (seen.has(tokenSha256)) throw configError(`${where} (project ${project}): the token is listed twice`);
    seen.add(tokenSha256);
    out.push({ project, tokenSha256 });
  });
  return out;
}

function configError(message: string): AppError {
  return new AppError('INVALID_ARGUMENT', message);
}
