import { AppError } from '../core/index.js';
import type { TokenRepository } from '../store/types.js';
import type { StaticToken } from './static-tokens.js';
import { type BearerCredential, hashToken, sameDigest } from './token.js';

/** Who is calling: the project every query is scoped to, and the client that limits count against. */
export interface Principal {
  readonly project: string;
  /** `token:<id>` for a stored token, `env:<n>` for the n-th GRADNOISE_TOKENS entry, `peer:<ip>` when auth is off. */
  readonly client: string;
}

/** The project of every caller while authentication is off. */
export const DEFAULT_PROJECT = 'default';

export interface AuthenticatorOptions {
  /** Tokens from GRADNOISE_TOKENS, hashed. */
  readonly staticTokens: readonly StaticToken[];
  /** Tokens in PostgreSQL. */
  readonly tokens: Pick<TokenRepository, 'findActive' | 'anyStored'>;
  /**
   * How long a database answer is reused: a token revoked in PostgreSQL stops working within this
   * time, and the first token created turns authentication on within it. Default 5,000 ms.
   */
  readonly cacheMs?: number;
  /** Most token lookups remembered (hits and misses). Default 10,000. */
  readonly cacheEntries?: number;
  /** Clock, for tests. Default `Date.now`. */
  readonly now?: () => number;
}

interface Cached<T> {
  readonly value: T;
  readonly expiresAt: number;
}

/**
 * Turns a bearer credential into a {@link Principal}.
 *
 * Authentication is ON as soon as one token is configured: a GRADNOISE_TOKENS entry, or any row
 * of `api_tokens` (revoked ones too, so revoking every token locks the service rather than opening
 * it). Once on, it stays on until restart. While it is on, a call without a valid, unrevoked token
 * is UNAUTHENTICATED. While it is off, everyone is project `default` and limits count per peer
 * address.
 *
 * The presented token is hashed (sha256) and compared with every static hash in constant time;
 * otherwise its hash is looked up in PostgreSQL, and the answer is cached for `cacheMs`.
 */
export class Authenticator {
  private readonly staticTokens: readonly StaticToken[];
  private readonly tokens: AuthenticatorOptions['tokens'];
  private readonly cacheMs: number;
  private readonly cacheEntries: number;
  private readonly now: () => number;
  private readonly lookups = new Map<string, Cached<Principal | null>>();
  private latchedOn: boolean;
  private anyStored: Cached<boolean> | null = null;
  private checking: Promise<boolean> | null = null;

  constructor(options: AuthenticatorOptions) {
    this.staticTokens = options.staticTokens;
    this.tokens = options.tokens;
    this.cacheMs = options.cacheMs ?? 5_000;
    this.cacheEntries = options.cacheEntries ?? 10_000;
    this.now = options.now ?? Date.now;
    this.latchedOn = this.staticTokens.length > 0;
  }

  /** Whether calls need a token now (see the class docs). */
  async enabled(): Promise<boolean> {
    if (this.latchedOn) return true;
    if (this.anyStored !== null && this.anyStored.expiresAt > this.now()) return this.anyStored.value;
    this.checking ??= this.tokens
      .anyStored()
      .then((value) => {
        this.anyStored = { value, expiresAt: this.now() + this.cacheMs };
        if (value) this.latchedOn = true;
        return value;
      })
      .finally(() => {
        this.checking = null;
      });
    return this.checking;
  }

  /**
   * The caller of a request that carried `credential`, from `peer` (its address, used only while
   * authentication is off). Throws AppError('UNAUTHENTICATED') with the reason.
   */
  async authenticate(credential: BearerCredential, peer: string): Promise<Principal> {
    if (!(await this.enabled())) return { project: DEFAULT_PROJECT, client: `peer:${peerHost(peer)}` };
    if (credential.kind === 'none') {
      throw new AppError('UNAUTHENTICATED', 'this server requires "authorization: Bearer <token>" metadata');
    }
    if (credential.kind === 'malformed') throw new AppError('UNAUTHENTICATED', credential.reason);
    const principal = await this.lookup(hashToken(credential.token));
    if (principal === null) throw new AppError('UNAUTHENTICATED', 'the token is unknown or revoked');
    return principal;
  }

  private async lookup(tokenSha256: string): Promise<Principal | null> {
    // Every static hash is compared, so the time taken does not say which entry matched.
    let found: Principal | null = null;
    this.staticTokens.forEach((entry, i) => {
      if (sameDigest(entry.tokenSha256, tokenSha256) && found === null) {
        found = { project: entry.project, client: `env:${i + 1}` };
      }
    });
    if (found !== null) return found;
    const cached = this.lookups.get(tokenSha256);
    if (cached !== undefined && cached.expiresAt > this.now()) return cached.value;
    const record = await this.tokens.findActive(tokenSha256);
    const value = record === null ? null : { project: record.project, client: `token:${record.id}` };
    this.remember(tokenSha256, value);
    return value;
  }

  private remember(tokenSha256: string, value: Principal | null): void {
    this.lookups.delete(tokenSha256);
    if (this.lookups.size >= this.cacheEntries) {
      // The oldest entry goes first (a Map iterates in insertion order).
      const oldest = this.lookups.keys().next();
      if (oldest.done !== true) this.lookups.delete(oldest.value);
    }
    this.lookups.set(tokenSha256, { value, expiresAt: this.now() + this.cacheMs });
  }
}

/** `ipv4:10.0.0.7:51234` → `10.0.0.7`; `ipv6:[::1]:51234` → `::1`; anything else as it is. */
export function peerHost(peer: string): string {
  const address = peer.replace(/^(ipv4|ipv6):/, '');
  const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (v6?.[1] !== undefined) return v6[1];
  const v4 = /^([^:]+):\d+$/.exec(address);
  return v4?.[1] ?? address;
}
