import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setDataRoots } from '../../../src/data/index.js';
import { compileRunSpec } from '../../../src/runs/index.js';
import { waitForStatus } from '../../helpers/client.js';
import { startTestService, type TestService } from '../../helpers/service.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(async () => {
  await service.stop();
  setDataRoots(null);
});

describe('data roots at launch', () => {
  it('fails a stored run whose IDX directory is outside the roots before any worker opens it', async () => {
    // Compiled while any directory was allowed (as on a replica without roots, or before them) …
    setDataRoots(null);
    const spec = compileRunSpec({
      trainer: 'mlp',
      trainerConfig: { data: { source: 'idx', dir: '/etc/gradnoise-idx' } },
      maxSteps: 5,
    });
    // … and claimed by a replica that has them.
    setDataRoots(['/nonexistent']);
    const { run } = await service.store.runs.create({
      project: 'default',
      requestId: null,
      spec,
      labels: {},
    });
    service.scheduler.wake();
    const ended = await waitForStatus(service.client, run.id, ['FAILED', 'COMPLETED']);
    expect(ended.status).toBe('FAILED');
    expect(ended.error).toBe(
      'could not start: data.dir: got "/etc/gradnoise-idx"; allowed: a directory in /nonexistent (the server\'s GRADNOISE_DATA_ROOTS)',
    );
  });
});
