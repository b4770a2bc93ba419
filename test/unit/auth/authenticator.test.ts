import { describe, expect, it } from 'vitest';
import {
  Authenticator,
  hashToken,
  parseAuthorization,
  peerHost,
  type StaticToken,
} from '../../../src/auth/index.js';
import type { ApiTokenRecord } from '../../../src/store/index.js';

/** An in-memory `api_tokens` table that counts its queries. */
function fakeTokens(rows: { hash: string; project: string; id: string; revoked?: boolean }[] = []) {
  const calls = { findActive: 0, anyStored: 0 };
  return {
    rows,
    calls,
    async findActive(hash: string): Promise<ApiTokenRecord | null> {
      calls.findActive += 1;
      const row = rows.find((r) => r.hash === hash && r.revoked !== true);
      return row === undefined
        ? null
        : { id: row.id, project: row.project, name: 'n', createdAt: new Date(0), revokedAt: null };
    },
    async anyStored(): Promise<boolean> {
      calls.anyStored += 1;
      return rows.length > 0;
    },
  };
}

const bearer = (token: string) => parseAuthorization([`Bearer ${token}`]);
const ENV: StaticToken[] = [
  { project: 'alpha', tokenSha256: hashToken('alpha-token-0123456') },
  { project: 'beta', tokenSha256: hashToken('beta-token-01234567') },
];

describe('Authenticator', () => {
  it('is off with no token anywhere: everyone is project default, counted per peer address', async () => {
    const tokens = fakeTokens();
    const auth = new Authenticator({ staticTokens: [], tokens });
    expect(await auth.enabled()).toBe(false);
    expect(await auth.authenticate({ kind: 'none' }, 'ipv4:10.1.2.3:5555')).toEqual({
      project: 'default',
      client: 'peer:10.1.2.3',
    });
    // A token sent anyway is ignored, not looked up.
    expect(await auth.authenticate(bearer('whatever-token-123'), 'ipv6:[::1]:80')).toEqual({
      project: 'default',
      client: 'peer:::1',
    });
    expect(tokens.calls.findActive).toBe(0);
  });

  it('with environment tokens: each opens its own project; anything else is UNAUTHENTICATED', async () => {
    const tokens = fakeTokens();
    const auth = new Authenticator({ staticTokens: ENV, tokens });
    expect(await auth.enabled()).toBe(true);
    expect(await auth.authenticate(bearer('alpha-token-0123456'), 'ipv4:1.1.1.1:1')).toEqual({
      project: 'alpha',
      client: 'env:1',
    });
    expect(await auth.authenticate(bearer('beta-token-01234567'), 'ipv4:1.1.1.1:1')).toEqual({
      project: 'beta',
      client: 'env:2',
    });
    await expect(auth.authenticate({ kind: 'none' }, 'p')).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      message: expect.stringContaining('authorization: Bearer <token>'),
    });
    await expect(auth.authenticate(bearer('alpha-token-0123457'), 'p')).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      message: 'the token is unknown or revoked',
    });
    await expect(auth.authenticate(parseAuthorization(['Basic x']), 'p')).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    expect(tokens.calls.anyStored).toBe(0);
  });

  it('turns on with the first stored token, caches lookups for cacheMs, and notices revocation after it', async () => {
    let now = 1_000;
    const tokens = fakeTokens();
    const auth = new Authenticator({ staticTokens: [], tokens, cacheMs: 500, now: () => now });
    expect(await auth.enabled()).toBe(false);
    tokens.rows.push({ hash: hashToken('stored-token-123456'), project: 'gamma', id: 'id-1' });
    // Still off until the cached answer expires.
    expect(await auth.enabled()).toBe(false);
    now += 501;
    expect(await auth.enabled()).toBe(true);
    expect(await auth.authenticate(bearer('stored-token-123456'), 'p')).toEqual({
      project: 'gamma',
      client: 'token:id-1',
    });
    const lookups = tokens.calls.findActive;
    await auth.authenticate(bearer('stored-token-123456'), 'p');
    expect(tokens.calls.findActive).toBe(lookups);

    const first = tokens.rows[0];
    if (first !== undefined) first.revoked = true;
    await auth.authenticate(bearer('stored-token-123456'), 'p');
    now += 501;
    await expect(auth.authenticate(bearer('stored-token-123456'), 'p')).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    // Once on, it stays on: deleting every row does not open the service.
    tokens.rows.length = 0;
    now += 10_000;
    expect(await auth.enabled()).toBe(true);
  });

  it('bounds its cache and asks the store once for concurrent checks', async () => {
    const tokens = fakeTokens([{ hash: hashToken('stored-token-123456'), project: 'p', id: 'i' }]);
    const auth = new Authenticator({ staticTokens: [], tokens, cacheEntries: 2 });
    await Promise.all([auth.enabled(), auth.enabled(), auth.enabled()]);
    expect(tokens.calls.anyStored).toBe(1);
    for (const guess of ['guess-one-1234567', 'guess-two-1234567', 'guess-three-12345']) {
      await expect(auth.authenticate(bearer(guess), 'p')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    }
    // The first guess was evicted (two entries at most), so it is looked up again.
    const before = tokens.calls.findActive;
    await expect(auth.authenticate(bearer('guess-one-1234567'), 'p')).rejects.toThrow();
    expect(tokens.calls.findActive).toBe(before + 1);
    await expect(auth.authenticate(bearer('guess-three-12345'), 'p')).rejects.toThrow();
    expect(tokens.calls.findActive).toBe(before + 1);
  });

  it('reduces peers to their host', () => {
    expect(peerHost('ipv4:127.0.0.1:50051')).toBe('127.0.0.1');
    expect(peerHost('ipv6:[2001:db8::1]:443')).toBe('2001:db8::1');
    expect(peerHost('unix:/tmp/socket')).toBe('unix:/tmp/socket');
  });
});
