import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API tokens are random secrets with 256 bits of entropy, so a plain sha256 is the right hash for
 * storing them: unlike a password, a token cannot be guessed from a dictionary, and a slow hash
 * (scrypt) would only add latency to every call. Only the hash is kept, in memory and in
 * PostgreSQL; the token is shown once, when it is made.
 */

/** Prefix of the tokens this service makes, so a leaked one is recognisable in logs and scanners. */
export const TOKEN_PREFIX = 'gn_';
/** Shortest token accepted from the environment (the generated ones have 46 characters). */
export const MIN_TOKEN_LENGTH = 16;
/** Longest token read from a request; longer ones are refused before hashing. */
export const MAX_TOKEN_LENGTH = 512;

/** A new token: the prefix and 32 random bytes in base64url. */
export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** Lower-case hex sha256 of a token, the form stored and compared. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Compares two hex digests in constant time. Both are sha256 hex (64 characters) where it
 * matters; digests of other lengths simply differ.
 */
export function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The outcome of reading an `authorization` header value. */
export type BearerCredential =
  | { readonly kind: 'none' }
  | { readonly kind: 'malformed'; readonly reason: string }
  | { readonly kind: 'bearer'; readonly token: string };

/**
 * Reads `Bearer <token>` (RFC 6750; the scheme is case-insensitive). Several values, another
 * scheme, an empty or oversized token are `malformed`, with a reason that never quotes the token.
 */
export function parseAuthorization(values: readonly string[]): BearerCredential {
  if (values.length === 0) return { kind: 'none' };
  if (values.length > 1) return { kind: 'malformed', reason: `${values.length} authorization values` };
  const value = (values[0] ?? '').trim();
  const match = /^bearer\s+(\S+)$/i.exec(value);
  if (match?.[1] === undefined) {
    return { kind: 'malformed', reason: 'the authorization value is not "Bearer <token>"' };
  }
  if (match[1].length > MAX_TOKEN_LENGTH) {
    return { kind: 'malformed', reason: `a token longer than ${MAX_TOKEN_LENGTH} characters` };
  }
  return { kind: 'bearer', token: match[1] };
}
