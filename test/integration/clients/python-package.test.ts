import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Authenticator, parseStaticTokens } from '../../../src/auth/index.js';
import { bearerAuthenticate, serverCredentials } from '../../../src/server/index.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';
import { runProcess, toolchainMissing } from '../../helpers/foreign-client.js';
import { makePki, type Pki } from '../../helpers/pki.js';
import { startTestService, type TestService } from '../../helpers/service.js';
import { type InProcessReplica, startInProcessReplica } from '../scaleout/in-process.js';

/**
 * clients/python as a user gets it: the wheel built offline (`pip wheel --no-deps
 * --no-build-isolation`, Debian's setuptools and wheel, protoc 3.21 at build time), installed with
 * `--no-deps --no-index` into a fresh virtualenv that sees Debian's grpcio, then driven by
 * clients/python/tests/e2e.py against the real service and PostgreSQL.
 */

const PYTHON = '/usr/bin/python3';
const PACKAGE = join(import.meta.dirname, '../../../clients/python');
const TOKEN = 'python-client-token-0123456789';
const STEPS = 30;

const missing = toolchainMissing('Python package', [
  [PYTHON, '-c', 'import grpc, google.protobuf, setuptools, wheel'],
  ['dpkg', '-s', 'python3-venv'],
  ['protoc', '--version'],
  ['sh', '-c', 'command -v grpc_python_plugin'],
]);

let workDir: string;
let python: string;
let wheel: string;
/** Every live batch (at least 3 points a step) overflows a 1-point buffer: each watcher is dropped. */
let service: TestService;
let authDb: TestDatabase;
let secure: InProcessReplica;
let pki: Pki;

beforeAll(async () => {
  if (missing !== null) return;
  workDir = mkdtempSync(join(tmpdir(), 'gradnoise-pyclient-'));
  const venv = join(workDir, 'venv');
  const dist = join(workDir, 'dist');
  execFileSync(PYTHON, ['-m', 'venv', '--system-site-packages', venv], { stdio: 'pipe' });
  python = join(venv, 'bin', 'python');
  const pip = (...args: string[]) => execFileSync(python, ['-m', 'pip', ...args], { stdio: 'pipe' });
  pip('wheel', '--no-deps', '--no-build-isolation', '--no-index', '--no-cache-dir', '-w', dist, PACKAGE);
  wheel = join(dist, readdirSync(dist).find((f) => f.endsWith('.whl')) ?? 'no wheel built');
  pip('install', '--no-deps', '--no-index', '--no-cache-dir', wheel);

  service = await startTestService({ watchBufferPoints: 1 });
  mkdirSync(join(workDir, 'pki'));
  pki = makePki(join(workDir, 'pki'));
  authDb = await createTestDatabase();
  const authenticator = new Authenticator({
    staticTokens: parseStaticTokens(`python:${TOKEN}`),
    tokens: { findActive: async () => null, anyStored: async () => false },
  });
  secure = await startInProcessReplica(
    authDb.url,
    { owner: 'py-tls' },
    {
      start: false,
      authenticate: bearerAuthenticate(authenticator),
      credentials: await serverCredentials({
        certFile: pki.file('server.crt'),
        keyFile: pki.file('server.key'),
        clientCaFile: pki.file('ca.crt'),
      }),
    },
  );
});
afterAll(async () => {
  if (missing !== null) return;
  await service?.stop();
  await secure?.stop();
  await authDb?.drop();
  rmSync(workDir, { recursive: true, force: true });
});

type Event = Record<string, unknown>;

/** Runs e2e.py with the virtualenv's python; its events (JSON lines) in order. */
async function e2e(...args: string[]): Promise<Event[]> {
  const result = await runProcess(python, [join(PACKAGE, 'tests', 'e2e.py'), ...args], {
    ...process.env,
    PYTHONUNBUFFERED: '1',
  });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return result.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Event);
}

/** The events by name; each name but `downloaded` occurs once. */
function byName(events: readonly Event[]): Record<string, Event> {
  return Object.fromEntries(events.map((e) => [String(e.event), e]));
}

describe.skipIf(missing !== null)('the Python package clients/python (gradnoise-client)', () => {
  it('builds offline into a wheel with both services, google.rpc and the status extra', () => {
    const list = (code: string) => execFileSync(python, ['-c', code, wheel], { encoding: 'utf8' });
    const names = list('import sys, zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))');
    for (const file of [
      'gradnoise/v1/training_pb2.py',
      'gradnoise/v1/training_pb2.pyi',
      'gradnoise/v1/training_pb2_grpc.py',
      'gradnoise/v1/sweeps_pb2.py',
      'gradnoise/v1/sweeps_pb2_grpc.py',
      'gradnoise_client/_rpc/status_pb2.py',
      'gradnoise_client/_rpc/error_details_pb2.py',
      'gradnoise_client/py.typed',
    ]) {
      expect(names.split('\n')).toContain(file);
    }
    const metadata = list(
      'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); ' +
        'print(z.read(next(n for n in z.namelist() if n.endswith("/METADATA"))).decode())',
    );
    expect(metadata).toContain('Provides-Extra: status');
    expect(metadata).toMatch(/^Requires-Dist: grpcio-status ?\(?>=1\.51\)? ?; extra == ['"]status['"]$/m);
    // Installed into the virtualenv, errors decode with the package's own google.rpc stubs.
    const where = list(
      'import gradnoise_client, gradnoise_client.errors as e; print(gradnoise_client.__file__, e.status_pb2.__name__)',
    );
    expect(where).toMatch(
      new RegExp(
        `^${workDir}/venv/.*site-packages/gradnoise_client/__init__\\.py gradnoise_client\\._rpc\\.status_pb2`,
      ),
    );
  });

  it('passes its unit tests (reconnect, offset resume, error details) against the installed wheel', async () => {
    const result = await runProcess(python, ['-m', 'unittest', 'discover', '-s', join(PACKAGE, 'tests')]);
    expect(result.stderr).toMatch(/\nOK\n$/);
    expect(result.code).toBe(0);
  });

  it('trains an mlp run end to end: bad input, a watch that reconnects, checkpoints verified, a sweep', async () => {
    const dir = mkdtempSync(join(workDir, 'ckpt-'));
    const events = await e2e('mlp', '--target', service.address, '--workdir', dir, '--steps', String(STEPS));
    const got = byName(events);

    expect(got.bad_input).toMatchObject({
      code: 'INVALID_ARGUMENT',
      field_violations: [['mlp.depth', expect.stringMatching(/^got 0; allowed: /)]],
      quota_violations: [],
    });
    expect(got.bad_input?.message).toMatch(/^mlp\.depth: got 0; allowed: /);

    expect(got.started?.status).toBe('RUN_STATUS_QUEUED');
    // Every step's loss exactly once, although the server dropped the watcher at each live batch.
    const watched = got.watched as Record<string, unknown>;
    expect(watched.status).toBe('RUN_STATUS_COMPLETED');
    expect(watched).toMatchObject({ final: true, duplicates: 0 });
    expect(watched.loss_steps).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    expect(watched.names).toEqual(
      expect.arrayContaining(['grad_norm', 'loss', 'noise_std', 'test_accuracy']),
    );
    const retries = watched.retries as { code: string; quota_violations: string[][]; since_step: number }[];
    expect(retries.length).toBeGreaterThanOrEqual(1);
    expect(watched.reconnects).toBe(retries.length);
    const runId = String(got.started?.run_id);
    for (const retry of retries) {
      expect(retry.code).toBe('RESOURCE_EXHAUSTED');
      expect(retry.quota_violations.map(([subject]) => subject)).toEqual([`run:${runId}`]);
    }

    const listed = got.checkpoints as { steps: number[]; sha256: string[] };
    expect(listed.steps).toEqual([STEPS / 2, STEPS]);
    // The latest (step 0 asks for it) and the first listed, each verified against the list and
    // re-hashed from the file on disk; the file's own safetensors header names the same tensors.
    const downloads = events.filter((e) => e.event === 'downloaded');
    expect(downloads.map((d) => [d.requested, d.step, d.sha256])).toEqual([
      [0, STEPS, listed.sha256[1]],
      [STEPS / 2, STEPS / 2, listed.sha256[0]],
    ]);
    for (const d of downloads) {
      expect(d.file_sha256).toBe(d.sha256);
      expect(d.file_size).toBe(d.size_bytes);
      expect(d.tensors).toEqual(d.listed_tensors);
      expect((d.tensors as string[]).some((n) => n.startsWith('model/'))).toBe(true);
    }
    expect(got.missing_checkpoint).toMatchObject({ code: 'NOT_FOUND' });
    expect(got.leftovers?.files).toEqual([`step0.safetensors`, `step${STEPS / 2}.safetensors`]);
    expect(got.run?.status).toBe('RUN_STATUS_COMPLETED');
    expect(got.run?.current_step).toBe(STEPS);

    expect(got.bad_sweep).toMatchObject({
      code: 'INVALID_ARGUMENT',
      field_violations: [['axes[0].field', expect.any(String)]],
    });
    expect(got.sweep).toMatchObject({
      listed: true,
      cells: ['learning_rate=0.1', 'learning_rate=0.05'],
      runs: 4,
      arms: ['no_noise', 'noise'],
      cancelled: 4,
      cancelled_again: 0,
      report_metric: 'loss',
      report_rows: 4,
    });
  }, 240_000);

  it('connects with mTLS and a bearer token, on the helper and on the raw stub', async () => {
    const got = byName(
      await e2e(
        'auth',
        '--target',
        secure.address,
        '--ca',
        pki.file('ca.crt'),
        '--cert',
        pki.file('client.crt'),
        '--key',
        pki.file('client.key'),
        '--token',
        TOKEN,
      ),
    );
    expect(got.with_token).toMatchObject({ runs: 0 });
    expect(got.with_token?.trainers).toEqual(expect.arrayContaining(['mlp', 'smoke']));
    expect(got.without_token).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(got.plaintext).toMatchObject({ code: 'UNAVAILABLE' });
  });
});
