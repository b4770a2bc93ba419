import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ChannelCredentials, credentials, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadApi } from '../../../src/client/index.js';
import { compileConfig } from '../../../src/config.js';
import type { TrainingServiceClient } from '../../../src/generated/proto/gradnoise/v1/TrainingService.js';
import { serverCredentials } from '../../../src/server/index.js';
import { api } from '../../helpers/client.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';
import { makePki } from '../../helpers/pki.js';
import { bearer } from '../fuzz/raw-client.js';
import { type InProcessReplica, startInProcessReplica } from '../scaleout/in-process.js';
import { startReplica } from '../scaleout/replica.js';

function client(address: string, channel: ChannelCredentials): TrainingServiceClient {
  return new (loadApi().grpc.gradnoise.v1.TrainingService)(address, channel);
}

/** ListTrainers through `channel`: 'ok' or the status code it failed with. */
async function probe(address: string, channel: ChannelCredentials, token?: string): Promise<'ok' | number> {
  const c = client(address, channel);
  try {
    await api(c, token === undefined ? undefined : bearer(token)).listTrainers({});
    return 'ok';
  } catch (error) {
    return (error as { code: number }).code;
  } finally {
    c.close();
  }
}

describe('TLS and mTLS (GRADNOISE_TLS_CERT, _KEY, _CLIENT_CA)', () => {
  let dir: string;
  let pki: ReturnType<typeof makePki>;
  let db: TestDatabase;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gradnoise-tls-'));
    pki = makePki(dir);
    db = await createTestDatabase();
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  });

  const serve = async (clientCaFile: string | null): Promise<InProcessReplica> =>
    startInProcessReplica(
      db.url,
      { owner: 'tls' },
      {
        start: false,
        credentials: await serverCredentials({
          certFile: pki.file('server.crt'),
          keyFile: pki.file('server.key'),
          clientCaFile,
        }),
      },
    );

  it('serves TLS to a client that trusts the CA, and nothing in plaintext or to a client that does not', async () => {
    const replica = await serve(null);
    try {
      expect(await probe(replica.address, credentials.createSsl(pki.read('ca.crt')))).toBe('ok');
      expect(await probe(replica.address, credentials.createInsecure())).toBe(status.UNAVAILABLE);
      expect(await probe(replica.address, credentials.createSsl(pki.read('other-ca.crt')))).toBe(
        status.UNAVAILABLE,
      );
    } finally {
      await replica.stop();
    }
  });

  it('with a client CA, accepts only clients presenting a certificate it signed (mTLS)', async () => {
    const replica = await serve(pki.file('ca.crt'));
    try {
      const ca = pki.read('ca.crt');
      expect(
        await probe(
          replica.address,
          credentials.createSsl(ca, pki.read('client.key'), pki.read('client.crt')),
        ),
      ).toBe('ok');
      expect(await probe(replica.address, credentials.createSsl(ca))).toBe(status.UNAVAILABLE);
      // A certificate the client CA did not sign (the server's own key pair is from the same CA, so
      // make one from the other CA by presenting that CA's self-signed certificate).
      expect(
        await probe(
          replica.address,
          credentials.createSsl(ca, pki.read('other-ca.key'), pki.read('other-ca.crt')),
        ),
      ).toBe(status.UNAVAILABLE);
    } finally {
      await replica.stop();
    }
  });

  it('refuses to start on unreadable or non-PEM files, or half a configuration, naming the variable', async () => {
    await expect(
      serverCredentials({
        certFile: join(dir, 'missing.crt'),
        keyFile: pki.file('server.key'),
        clientCaFile: null,
      }),
    ).rejects.toThrow(/^GRADNOISE_TLS_CERT: cannot read .*missing\.crt/);
    await expect(
      serverCredentials({
        certFile: pki.file('server.crt'),
        keyFile: pki.file('server.crt'),
        clientCaFile: null,
      }),
    ).rejects.toThrow(/^GRADNOISE_TLS_KEY: .*server\.crt holds no PEM PRIVATE KEY/);
    const base = { hostname: 'h', pid: 1 };
    expect(() => compileConfig({ GRADNOISE_TLS_CERT: 'a.crt' }, base)).toThrow(/GRADNOISE_TLS_KEY: got ""/);
    expect(() => compileConfig({ GRADNOISE_TLS_CLIENT_CA: 'ca.crt' }, base)).toThrow(
      /GRADNOISE_TLS_CLIENT_CA/,
    );
    expect(
      compileConfig({ GRADNOISE_TLS_CERT: 'a.crt', GRADNOISE_TLS_KEY: 'a.key' }, base).tls,
    ).toMatchObject({
      certFile: expect.stringMatching(/\/a\.crt$/),
      clientCaFile: null,
    });
  });

  it('the service process serves mTLS with tokens from its environment, and never logs a token', async () => {
    const token = 'process-token-abcdefghijklmnop';
    const replica = await startReplica({
      databaseUrl: db.url,
      replicaId: 'tls-process',
      env: {
        GRADNOISE_TLS_CERT: pki.file('server.crt'),
        GRADNOISE_TLS_KEY: pki.file('server.key'),
        GRADNOISE_TLS_CLIENT_CA: pki.file('ca.crt'),
        GRADNOISE_TOKENS: `proc:${token}`,
      },
    });
    try {
      const mtls = credentials.createSsl(pki.read('ca.crt'), pki.read('client.key'), pki.read('client.crt'));
      expect(await probe(replica.address, mtls, token)).toBe('ok');
      expect(await probe(replica.address, mtls)).toBe(status.UNAUTHENTICATED);
      expect(await probe(replica.address, credentials.createInsecure(), token)).toBe(status.UNAVAILABLE);
      const serving = replica.logs.find((l) => l.msg === 'gradnoise serving');
      expect(serving?.transport).toBe('mtls');
      expect(replica.logs.some((l) => l.msg?.startsWith('authentication on'))).toBe(true);
    } finally {
      await replica.stop();
    }
    expect(replica.output()).not.toContain(token);
  }, 180_000);
});
