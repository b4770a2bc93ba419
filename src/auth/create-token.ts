import { invalidArgument } from '../core/index.js';
import type { ApiTokenRecord, TokenRepository } from '../store/types.js';
import { PROJECT_NAME } from './static-tokens.js';
import { generateToken, hashToken } from './token.js';

const TOKEN_NAME = /^[\x20-\x7e]{1,128}$/;

/**
 * Makes a token for `project`, stores its hash and returns the token itself, which exists nowhere
 * else afterwards: show it once. `name` says what the token is for (a person, a CI job).
 */
export async function createApiToken(
  tokens: Pick<TokenRepository, 'create'>,
  project: string,
  name: string,
): Promise<{ readonly token: string; readonly record: ApiTokenRecord }> {
  if (!PROJECT_NAME.test(project)) {
    throw invalidArgument(
      'project',
      project,
      '1-63 characters of [A-Za-z0-9_.-], starting with a letter or digit',
    );
  }
  if (!TOKEN_NAME.test(name)) throw invalidArgument('name', name, '1-128 printable ASCII characters');
  const token = generateToken();
  const record = await tokens.create({ project, name, tokenSha256: hashToken(token) });
  return { token, record };
}
