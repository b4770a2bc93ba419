import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Metadata, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Authenticator, createApiToken, hashToken, parseStaticTokens } from '../../../src/auth/index.js';
import { bearerAuthenticate } from '../../../src/server/index.js';
import { createStore, type Store } from '../../../src/store/index.js';
import { api, createSweepClient } from '../../helpers/client.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';
import { apiMethods, bearer, RawClient } from '../fuzz/raw-client.js';
import { type InProcessReplica, startInProcessReplica } from '../scaleout/in-process.js';
import { REPO_ROOT, replicaEnv } from '../scaleout/replica.js';
import { eventually } from '../scaleout/series.js';

const ALPHA_TOKEN = 'alpha-secret-token-0001';

/** grpc.health.v1.HealthCheckResponse{status: SERVING}. */
const SERVING = Buffer.from([0x08, 0x01]);
/** grpc.reflection ServerReflectionRequest{list_services: ""}. */
const LIST_SERVICES = Buffer.from([0x3a, 0x00]);

describe('authentication and project isolation', () => {
  let db: TestDatabase;
  let store: Store;
  let replica: InProcessReplica;
  let raw: RawClient;
  let betaToken: string;
  let betaTokenId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    store = await createStore({ databaseUrl: db.url, poolSize: 2 });
    const beta = await createApiToken(store.tokens, 'beta', 'ci job');
    betaToken = beta.token;
    betaTokenId = beta.record.id;
    // cacheMs 0: a revocation applies to the very next call.
    const authenticator = new Authenticator({
      staticTokens: parseStaticTokens(`alpha:${ALPHA_TOKEN}`),
      tokens: store.tokens,
      cacheMs: 0,
    });
    replica = await startInProcessReplica(
      db.url,
      { owner: 'auth-replica' },
      { authenticate: bearerAuthenticate(authenticator) },
    );
    raw = new RawClient(replica.address);
  });
  afterAll(async () => {
    raw.close();
    await replica.stop();
    await store.close();
    await db.drop();
  });

  it('answers UNAUTHENTICATED on every RPC of every service without a valid token; health and reflection stay open', async () => {
    const methods = apiMethods();
    expect(methods.map((m) => m.name)).toEqual(
      expect.arrayContaining(['StartRun', 'StreamMetrics', 'StartSweep']),
    );
    const wrong = [new Metadata(), bearer('not-a-known-token-123'), bearer(`${ALPHA_TOKEN}x`)];
    const basic = new Metadata();
    basic.set('authorization', `Basic ${Buffer.from(`alpha:${ALPHA_TOKEN}`).toString('base64')}`);
    wrong.push(basic);
    for (const method of methods) {
      for (const metadata of wrong) {
        // Even garbage bytes: the caller is checked before the request is looked at.
        for (const body of [Buffer.alloc(0), Buffer.from([0xff, 0xff, 0xff])]) {
          const outcome = await raw.call(method, body, metadata);
          expect({ path: method.path, code: outcome.code }).toEqual({
            path: method.path,
            code: status.UNAUTHENTICATED,
          });
          expect(outcome.details).not.toContain(ALPHA_TOKEN);
        }
      }
    }
    const health = await raw.call(
      { path: '/grpc.health.v1.Health/Check', responseStream: false },
      Buffer.alloc(0),
    );
    expect(health).toEqual({ code: status.OK, details: '', responses: [SERVING] });
    for (const version of ['v1', 'v1alpha']) {
      const listed = await raw.bidi(`/grpc.reflection.${version}.ServerReflection/ServerReflectionInfo`, [
        LIST_SERVICES,
      ]);
      expect(listed.code).toBe(status.OK);
      const text = Buffer.concat(listed.responses).toString('latin1');
      expect(text).toContain('gradnoise.v1.TrainingService');
      expect(text).toContain('gradnoise.v1.SweepService');
    }
  });

  it('scopes every run and sweep to the caller’s project: another project gets NOT_FOUND and sees nothing', async () => {
    const alpha = api(replica.client, bearer(ALPHA_TOKEN));
    const beta = api(replica.client, bearer(betaToken));
    const run = await alpha.startRun({ trainer: 'smoke', maxSteps: 30, requestId: 'shared-id' });
    const done = await eventually('the run to complete', async () => {
      const current = await alpha.getRun({ runId: run.id });
      return current.status === 'RUN_STATUS_COMPLETED' ? current : undefined;
    });
    expect(done.id).toBe(run.id);
    expect((await alpha.getCheckpoint({ runId: run.id, step: 0 })).length).toBeGreaterThan(0);
    expect((await alpha.listRuns({})).runs.map((r) => r.id)).toEqual([run.id]);

    const notFound = expect.objectContaining({ code: status.NOT_FOUND });
    await expect(beta.getRun({ runId: run.id })).rejects.toEqual(notFound);
    await expect(beta.cancelRun({ runId: run.id })).rejects.toEqual(notFound);
    await expect(beta.streamMetrics({ runId: run.id })).rejects.toEqual(notFound);
    await expect(beta.getCheckpoint({ runId: run.id })).rejects.toEqual(notFound);
    expect((await alpha.listCheckpoints({ runId: run.id })).checkpoints.length).toBeGreaterThan(0);
    await expect(beta.listCheckpoints({ runId: run.id })).rejects.toEqual(notFound);
    await expect(
      beta.updateRun({ runId: run.id, labels: { owner: 'beta' }, updateMask: { paths: ['labels'] } }),
    ).rejects.toEqual(notFound);
    await expect(beta.deleteRun({ runId: run.id })).rejects.toEqual(notFound);
    // Untouched by beta's attempts.
    expect((await alpha.getRun({ runId: run.id })).labels).toEqual({});
    expect((await alpha.getRunMetrics({ runId: run.id })).points.length).toBeGreaterThan(0);
    await expect(beta.getRunMetrics({ runId: run.id })).rejects.toEqual(notFound);
    expect((await beta.listRuns({})).runs).toEqual([]);
    // The same request id in another project is another run.
    const betaRun = await beta.startRun({ trainer: 'smoke', maxSteps: 5, requestId: 'shared-id' });
    expect(betaRun.id).not.toBe(run.id);
    expect((await beta.listRuns({})).runs.map((r) => r.id)).toEqual([betaRun.id]);
    expect((await alpha.listRuns({})).runs.map((r) => r.id)).toEqual([run.id]);

    const alphaSweeps = createSweepClient(replica.address, bearer(ALPHA_TOKEN));
    const betaSweeps = createSweepClient(replica.address, bearer(betaToken));
    try {
      const sweep = await alphaSweeps.api.startSweep({
        name: 'isolated',
        base: { trainer: 'smoke', maxSteps: '5' },
        seeds: 1,
      });
      expect((await alphaSweeps.api.getSweep({ sweepId: sweep.id })).id).toBe(sweep.id);
      await expect(betaSweeps.api.getSweep({ sweepId: sweep.id })).rejects.toEqual(notFound);
      await expect(betaSweeps.api.listSweepRuns({ sweepId: sweep.id })).rejects.toEqual(notFound);
      await expect(betaSweeps.api.getSweepCurves({ sweepId: sweep.id, metric: 'loss' })).rejects.toEqual(
        notFound,
      );
      await expect(betaSweeps.api.cancelSweep({ sweepId: sweep.id })).rejects.toEqual(notFound);
      expect((await alphaSweeps.api.listSweeps({})).sweeps.map((s) => s.id)).toEqual([sweep.id]);
      expect((await betaSweeps.api.listSweeps({})).sweeps).toEqual([]);
      expect((await beta.listRuns({})).runs.map((r) => r.id)).toEqual([betaRun.id]);
    } finally {
      alphaSweeps.client.close();
      betaSweeps.client.close();
    }
  });

  it('stops accepting a token stored in PostgreSQL once it is revoked', async () => {
    const beta = api(replica.client, bearer(betaToken));
    await beta.listTrainers({});
    const revoked = await store.tokens.revoke(betaTokenId);
    expect(revoked.revokedAt).toBeInstanceOf(Date);
    await expect(beta.listTrainers({})).rejects.toMatchObject({
      code: status.UNAUTHENTICATED,
      details: 'the token is unknown or revoked',
    });
  });

  it('`npm run token:create` prints a working token once and stores only its hash', async () => {
    const run = promisify(execFile);
    const env = replicaEnv({ databaseUrl: db.url, replicaId: 'cli' });
    const script = ['--import', 'tsx', 'src/auth/token-command.ts'];
    const created = await run(process.execPath, [...script, '--project', 'gamma', '--name', 'laptop'], {
      cwd: REPO_ROOT,
      env,
    });
    const token = created.stdout.trim();
    expect(token).toMatch(/^gn_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toMatch(/created token [0-9a-f-]{36} for project gamma \(laptop\)/);
    expect(created.stderr).not.toContain(token);

    const gamma = api(replica.client, bearer(token));
    const run1 = await gamma.startRun({ trainer: 'smoke', maxSteps: 3 });
    expect((await gamma.getRun({ runId: run1.id })).id).toBe(run1.id);
    await expect(api(replica.client, bearer(ALPHA_TOKEN)).getRun({ runId: run1.id })).rejects.toMatchObject({
      code: status.NOT_FOUND,
    });

    const listed = await run(process.execPath, [...script, '--list', '--project', 'gamma'], {
      cwd: REPO_ROOT,
      env,
    });
    expect(listed.stdout).toMatch(/^[0-9a-f-]{36}\tgamma\tlaptop\t\S+\tactive\n$/);
    expect(listed.stdout).not.toContain(token);
    expect(listed.stdout).not.toContain(hashToken(token));
    const [stored] = await store.tokens.list('gamma');
    expect(await store.tokens.findActive(hashToken(token))).toEqual(stored);

    const id = listed.stdout.split('\t')[0] ?? '';
    await run(process.execPath, [...script, '--revoke', id], { cwd: REPO_ROOT, env });
    await expect(gamma.listTrainers({})).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
  }, 120_000);
});

describe('authentication off, then on', () => {
  it('serves everyone as project default until the first token is stored, then requires one', async () => {
    const db = await createTestDatabase();
    const store = await createStore({ databaseUrl: db.url, poolSize: 2 });
    const authenticator = new Authenticator({ staticTokens: [], tokens: store.tokens, cacheMs: 0 });
    const replica = await startInProcessReplica(
      db.url,
      { owner: 'open-replica' },
      { authenticate: bearerAuthenticate(authenticator), start: false },
    );
    try {
      expect(await authenticator.enabled()).toBe(false);
      const anonymous = api(replica.client);
      const run = await anonymous.startRun({ trainer: 'smoke', maxSteps: 3 });
      expect((await store.runs.get('default', run.id)).project).toBe('default');

      const { token } = await createApiToken(store.tokens, 'default', 'first');
      await expect(anonymous.getRun({ runId: run.id })).rejects.toMatchObject({
        code: status.UNAUTHENTICATED,
      });
      // The runs made while it was open belong to `default`, so its token sees them.
      expect((await api(replica.client, bearer(token)).getRun({ runId: run.id })).id).toBe(run.id);
    } finally {
      await replica.stop();
      await store.close();
      await db.drop();
    }
  });
});
