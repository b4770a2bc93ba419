import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../setup/postgres.js';

/** scripts/healthcheck.mjs (the image's HEALTHCHECK) against a real grpc.health.v1 server. */

const SCRIPT = join(import.meta.dirname, '../../../scripts/healthcheck.mjs');

function probe(target: string, service?: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [SCRIPT, ...(service === undefined ? [] : [service])],
      { env: { ...process.env, GRADNOISE_HEALTH_TARGET: target, GRADNOISE_HEALTH_TIMEOUT_MS: '2000' } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, output: `${stdout}${stderr}`.trim() });
      },
    );
  });
}

let server: Server;
let target: string;
const health = new HealthImplementation({ '': 'SERVING', 'gradnoise.v1.TrainingService': 'NOT_SERVING' });

beforeAll(async () => {
  server = new Server();
  health.addToServer(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  target = `127.0.0.1:${port}`;
});
afterAll(() => server.forceShutdown());

describe('scripts/healthcheck.mjs', () => {
  it('exits 0 only when the server answers SERVING', async () => {
    const ok = await probe(target);
    expect(ok).toMatchObject({ code: 0 });
    expect(ok.output).toContain('SERVING');
    const notServing = await probe(target, 'gradnoise.v1.TrainingService');
    expect(notServing.code).toBe(1);
    expect(notServing.output).toContain('NOT_SERVING');
    const unknown = await probe(target, 'no.such.Service');
    expect(unknown.code).toBe(1);
  });

  it('follows the server draining (NOT_SERVING) and fails when nothing listens', async () => {
    health.setStatus('', 'NOT_SERVING');
    expect((await probe(target)).code).toBe(1);
    health.setStatus('', 'SERVING');
    expect((await probe(target)).code).toBe(0);
    const closed = await probe(`127.0.0.1:${await freePort()}`);
    expect(closed.code).toBe(1);
    expect(closed.output).toMatch(/^unhealthy:/);
  });
});
