import { invalidArgument, notFound } from '../core/index.js';
import type { ApiToken, PrismaClient } from '../generated/prisma/client.js';
import { translateErrors } from './errors.js';
import type { ApiTokenRecord, TokenRepository } from './types.js';
import { isUuid } from './uuid.js';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * API tokens in `api_tokens`. Only the sha256 of a token is stored, under a unique index: a lookup
 * by hash is one index probe, and since the hash of a guess says nothing about the hash of a real
 * token, the probe's timing leaks nothing useful (src/auth explains the hashing).
 */
export function createTokenRepository(prisma: PrismaClient): TokenRepository {
  return {
    async create(input) {
      checkHash(input.tokenSha256);
      const row = await translateErrors('api token', input.name, () =>
        prisma.apiToken.create({
          data: { project: input.project, name: input.name, tokenSha256: input.tokenSha256 },
        }),
      );
      return toRecord(row);
    },

    async findActive(tokenSha256) {
      if (!SHA256_HEX.test(tokenSha256)) return null;
      const row = await translateErrors('api token', '', () =>
        prisma.apiToken.findFirst({ where: { tokenSha256, revokedAt: null } }),
      );
      return row === null ? null : toRecord(row);
    },

    async anyStored() {
      const row = await translateErrors('api tokens', '', () =>
        prisma.apiToken.findFirst({ select: { id: true } }),
      );
      return row !== null;
    },

    async list(project) {
      const rows = await translateErrors('api tokens', '', () =>
        prisma.apiToken.findMany({
          ...(project === undefined ? {} : { where: { project } }),
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        }),
      );
      return rows.map(toRecord);
    },

    async revoke(id) {
      if (!isUuid(id)) throw notFound('api token', id);
      // Revoking twice keeps the first revocation time.
      await translateErrors('api token', id, () =>
        prisma.apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } }),
      );
      const row = await translateErrors('api token', id, () => prisma.apiToken.findUnique({ where: { id } }));
      if (row === null) throw notFound('api token', id);
      return toRecord(row);
    },
  };
}

function checkHash(hash: string): void {
  if (!SHA256_HEX.test(hash)) throw invalidArgument('tokenSha256', hash, '64 lower-case hex digits');
}

function toRecord(row: ApiToken): ApiTokenRecord {
  return {
    id: row.id,
    project: row.project,
    name: row.name,
    createdAt: row.createdAt,
    revokedAt: row.revokedAt,
  };
}
