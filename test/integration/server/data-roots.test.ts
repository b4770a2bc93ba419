import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANY_DATA_DIR, compileRunSpec, dataRootPolicy } from '../../../src/runs/index.js';
import { waitForStatus } from '../../helpers/client.js';
import { startTestService, type TestService } from '../../helpers/service.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService({}, dataRootPolicy(['/nonexistent'], 'GRADNOISE_DATA_ROOTS'));
});
afterAll(async () => {
  await service.stop();
});

describe('data roots at launch', () => {
  it('fails a stored run whose IDX directory is outside the roots before any worker opens it', async () => {
    // Compiled where any directory was allowed (a replica without roots, or before them) …
    const spec = compileRunSpec(
      { trainer: 'mlp', trainerConfig: { data: { source: 'idx', dir: '/etc/gradnoise-idx' } }, maxSteps: 5 },
      ANY_DATA_DIR,
    );
    // … and claimed by a replica that has them.
    const { run } = await service.store.runs.create({
      project: 'default',
      requestId: null,
      spec,
      labels: {},
    });
    service.scheduler.wake();
    const ended = await waitForStatus(service.client, run.id, ['RUN_STATUS_FAILED', 'RUN_STATUS_COMPLETED']);
    expect(ended.status).toBe('RUN_STATUS_FAILED');
    expect(ended.error).toBe(
      'could not start: mlp.data.dir: got "/etc/gradnoise-idx"; allowed: a directory in /nonexistent ' +
        "(the server's data root policy, GRADNOISE_DATA_ROOTS)",
    );
  });
});
