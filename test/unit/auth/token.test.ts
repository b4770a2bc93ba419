import { describe, expect, it } from 'vitest';
import {
  generateToken,
  hashToken,
  MAX_TOKEN_LENGTH,
  parseAuthorization,
  parseStaticTokens,
  sameDigest,
  TOKEN_PREFIX,
} from '../../../src/auth/index.js';

describe('tokens', () => {
  it('generates distinct prefixed tokens with 256 bits of randomness, hashed as sha256 hex', () => {
    const tokens = new Set(Array.from({ length: 100 }, generateToken));
    expect(tokens.size).toBe(100);
    for (const token of tokens) {
      expect(token.startsWith(TOKEN_PREFIX)).toBe(true);
      expect(Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url')).toHaveLength(32);
    }
    // The sha256 test vector of "abc".
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('compares digests by value, and digests of different lengths as different', () => {
    const h = hashToken('x'.repeat(20));
    expect(sameDigest(h, hashToken('x'.repeat(20)))).toBe(true);
    expect(sameDigest(h, hashToken('y'.repeat(20)))).toBe(false);
    expect(sameDigest(h, h.slice(1))).toBe(false);
  });

  it('reads "Bearer <token>" and calls everything else malformed without quoting it', () => {
    expect(parseAuthorization([])).toEqual({ kind: 'none' });
    expect(parseAuthorization(['Bearer abc.def'])).toEqual({ kind: 'bearer', token: 'abc.def' });
    expect(parseAuthorization(['  bearer   abc  '])).toEqual({ kind: 'bearer', token: 'abc' });
    for (const bad of [
      ['Basic dXNlcjpwYXNz'],
      ['Bearer'],
      ['Bearer a b'],
      ['secret-token'],
      ['Bearer x', 'Bearer y'],
    ]) {
      const parsed = parseAuthorization(bad);
      expect(parsed.kind).toBe('malformed');
      if (parsed.kind === 'malformed') {
        expect(parsed.reason).not.toContain('dXNlcjpwYXNz');
        expect(parsed.reason).not.toContain('secret-token');
      }
    }
    expect(parseAuthorization([`Bearer ${'a'.repeat(MAX_TOKEN_LENGTH + 1)}`])).toMatchObject({
      kind: 'malformed',
      reason: `a token longer than ${MAX_TOKEN_LENGTH} characters`,
    });
  });
});

describe('GRADNOISE_TOKENS', () => {
  it('parses project:token pairs into hashes, keeping no clear text', () => {
    const parsed = parseStaticTokens(' alpha:token-of-alpha-123 , beta.2:token-of-beta-4567:with-colon ');
    expect(parsed).toEqual([
      { project: 'alpha', tokenSha256: hashToken('token-of-alpha-123') },
      { project: 'beta.2', tokenSha256: hashToken('token-of-beta-4567:with-colon') },
    ]);
    expect(JSON.stringify(parsed)).not.toContain('token-of');
    expect(parseStaticTokens(undefined)).toEqual([]);
    expect(parseStaticTokens('  ')).toEqual([]);
  });

  it('rejects bad entries naming the entry, never the token', () => {
    const cases: [string, RegExp][] = [
      ['alpha', /entry 1 is not "project:token"/],
      ['alpha:short', /entry 1 \(project alpha\): got a token of 5 characters; allowed: 16-512/],
      ['ok:token-of-alpha-123,:token-of-beta-4567', /entry 2: got project ""/],
      ['bad project:token-of-alpha-123', /entry 1: got project "bad project"/],
      ['a:token-of-alpha-123,b:token-of-alpha-123', /entry 2 \(project b\): the token is listed twice/],
    ];
    for (const [raw, message] of cases) {
      let error: unknown;
      try {
        parseStaticTokens(raw);
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(message) });
      expect(String((error as Error).message)).not.toMatch(/token-of|short/);
    }
  });
});
