import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SweepApi } from '../../../src/client/index.js';
import type { ListSweepsRequest } from '../../../src/generated/proto/gradnoise/v1/ListSweepsRequest.js';
import type { Sweep__Output } from '../../../src/generated/proto/gradnoise/v1/Sweep.js';
import { api, createSweepClient, failure, waitForStatus } from '../../helpers/client.js';
import { fieldViolation } from '../../helpers/field-violation.js';
import { startTestService, type TestService } from '../../helpers/service.js';

// One worker: the first sweep's first run keeps it busy, so every later run stays QUEUED until
// that sweep is cancelled.
let service: TestService;
let sweeps: SweepApi;
let close: () => void;
let long: Sweep__Output;
let queuedB: Sweep__Output;
let queuedC: Sweep__Output;

const LONG = { trainer: 'smoke', maxSteps: '1000000', checkpointEvery: '1000000' };
const SHORT = { trainer: 'smoke', maxSteps: '5' };

beforeAll(async () => {
  service = await startTestService({ workers: 1 });
  const { client, api: calls } = createSweepClient(service.address);
  sweeps = calls;
  close = () => client.close();
  long = await sweeps.startSweep({ base: LONG, seeds: 3, compareNoise: false, labels: { team: 'a' } });
  const first = (await sweeps.listSweepRuns({ sweepId: long.id, pageSize: 1 })).runs[0]?.run?.id ?? '';
  await waitForStatus(service.client, first, ['RUN_STATUS_RUNNING']);
  queuedB = await sweeps.startSweep({ base: SHORT, compareNoise: false, labels: { team: 'b', exp: 'x' } });
  queuedC = await sweeps.startSweep({ base: SHORT, compareNoise: false, labels: { team: 'b' } });
});
afterAll(async () => {
  close();
  await service.stop();
});

const ids = async (request: ListSweepsRequest) => (await sweeps.listSweeps(request)).sweeps.map((s) => s.id);

async function waitDone(id: string): Promise<Sweep__Output> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const sweep = await sweeps.getSweep({ sweepId: id });
    if (sweep.done) return sweep;
    if (Date.now() > deadline) throw new Error(`sweep ${id} not done: ${JSON.stringify(sweep.counts)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('ListSweeps and CancelSweep', () => {
  it('cancels the QUEUED runs of a sweep at once, and a second cancel changes nothing', async () => {
    const first = await sweeps.cancelSweep({ sweepId: queuedC.id });
    expect(first).toMatchObject({
      sweepId: queuedC.id,
      cancelled: 1,
      stopping: 0,
      counts: { total: 1, queued: 0, running: 0, cancelled: 1 },
      state: 'SWEEP_STATE_DONE',
    });
    const again = await sweeps.cancelSweep({ sweepId: queuedC.id });
    expect(again).toMatchObject({ cancelled: 0, stopping: 0, counts: { total: 1, cancelled: 1 } });
    const got = await sweeps.getSweep({ sweepId: queuedC.id });
    expect(got).toMatchObject({ done: true, state: 'SWEEP_STATE_DONE', counts: { cancelled: 1 } });
  });

  it('lists sweeps newest first, filtered by label and state, without reports', async () => {
    const all = await sweeps.listSweeps({});
    expect(all.sweeps.map((s) => s.id)).toEqual([queuedC.id, queuedB.id, long.id]);
    expect(all.nextPageToken).toBe('');
    const [c, b, a] = all.sweeps;
    expect(c).toMatchObject({ state: 'SWEEP_STATE_DONE', done: true, labels: { team: 'b' }, report: null });
    expect(b).toMatchObject({ state: 'SWEEP_STATE_ACTIVE', done: false, counts: { total: 1, queued: 1 } });
    expect(a).toMatchObject({ state: 'SWEEP_STATE_ACTIVE', counts: { total: 3, running: 1, queued: 2 } });
    expect(a?.request?.base?.maxSteps).toBe('1000000');
    expect(a?.cells).toEqual(['base']);

    expect(await ids({ state: 'SWEEP_STATE_DONE' })).toEqual([queuedC.id]);
    expect(await ids({ state: 'SWEEP_STATE_ACTIVE' })).toEqual([queuedB.id, long.id]);
    expect(await ids({ labels: { team: 'b' } })).toEqual([queuedC.id, queuedB.id]);
    expect(await ids({ labels: { team: 'b', exp: 'x' } })).toEqual([queuedB.id]);
    expect(await ids({ labels: { team: 'b' }, state: 'SWEEP_STATE_ACTIVE' })).toEqual([queuedB.id]);
    // The runs' own labels (sweep_id, seed, ...) are not the sweep's.
    expect(await ids({ labels: { sweep_id: long.id } })).toEqual([]);
  });

  it('pages with tokens bound to the filter', async () => {
    const seen: string[] = [];
    let pageToken = '';
    let pages = 0;
    do {
      const page = await sweeps.listSweeps({ pageSize: 1, pageToken });
      seen.push(...page.sweeps.map((s) => s.id));
      pageToken = page.nextPageToken;
      pages++;
    } while (pageToken !== '');
    expect(seen).toEqual([queuedC.id, queuedB.id, long.id]);
    expect(pages).toBe(3);

    const teamB = await sweeps.listSweeps({ labels: { team: 'b' }, pageSize: 1 });
    expect(teamB.nextPageToken).not.toBe('');
    expect(
      (await sweeps.listSweeps({ labels: { team: 'b' }, pageToken: teamB.nextPageToken })).sweeps,
    ).toHaveLength(1);
    for (const other of [
      { labels: { team: 'a' } },
      { labels: { team: 'b' }, state: 'SWEEP_STATE_ACTIVE' as const },
      {},
    ]) {
      const error = await failure(sweeps.listSweeps({ ...other, pageToken: teamB.nextPageToken }));
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(fieldViolation(error).field).toBe('page_token');
      expect(error.details).toMatch(
        /^page_token: got ".+"; allowed: a next_page_token returned for the same filter$/,
      );
    }
    // A ListRuns token is no ListSweeps token, even for the same labels.
    const runs = await api(service.client).listRuns({ pageSize: 1 });
    expect(runs.nextPageToken).not.toBe('');
    const error = await failure(sweeps.listSweeps({ pageToken: runs.nextPageToken }));
    expect(error.code).toBe(status.INVALID_ARGUMENT);
  });

  it('cancels a running sweep gracefully: QUEUED runs at once, the RUNNING one after a final checkpoint', async () => {
    const training = api(service.client);
    const [running] = (await training.listRuns({ sweepId: long.id, statuses: ['RUN_STATUS_RUNNING'] })).runs;
    expect(running).toBeDefined();
    const runId = running?.id ?? '';
    const deadline = Date.now() + 20_000;
    while (Number((await training.getRun({ runId })).currentStep) < 3 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const cancelled = await sweeps.cancelSweep({ sweepId: long.id });
    expect(cancelled).toMatchObject({
      cancelled: 2,
      stopping: 1,
      counts: { total: 3, queued: 0, running: 1, cancelled: 2 },
      state: 'SWEEP_STATE_ACTIVE',
    });
    // Asked again while the run stops: nothing new to do.
    expect(await sweeps.cancelSweep({ sweepId: long.id })).toMatchObject({ cancelled: 0, stopping: 0 });

    const done = await waitDone(long.id);
    expect(done.counts).toMatchObject({ total: 3, cancelled: 3, completed: 0 });
    const stopped = await training.getRun({ runId });
    expect(stopped).toMatchObject({ status: 'RUN_STATUS_CANCELLED', cancelRequested: true });
    const { checkpoints } = await training.listCheckpoints({ runId });
    expect(checkpoints.map((c) => c.step)).toEqual([stopped.currentStep]);
    expect(Number(stopped.currentStep)).toBeLessThan(1_000_000);
    expect(await ids({ state: 'SWEEP_STATE_DONE', labels: { team: 'a' } })).toEqual([long.id]);
  });

  it('answers NOT_FOUND for an unknown or malformed sweep and INVALID_ARGUMENT for an empty id', async () => {
    for (const sweepId of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const error = await failure(sweeps.cancelSweep({ sweepId }));
      expect(error.code).toBe(status.NOT_FOUND);
      expect(error.details).toContain(sweepId);
    }
    const error = await failure(sweeps.cancelSweep({ sweepId: '' }));
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(fieldViolation(error).field).toBe('sweep_id');
    expect(error.details).toBe('sweep_id: got ""; allowed: a non-empty id');
  });

  it.each<[string, ListSweepsRequest, string, string]>([
    [
      'a negative page_size',
      { pageSize: -1 },
      'page_size',
      'page_size: got -1; allowed: an integer in [0, 1000] (0: 50)',
    ],
    [
      'a page_size over 1000',
      { pageSize: 1001 },
      'page_size',
      'page_size: got 1001; allowed: an integer in [0, 1000]',
    ],
    [
      'a garbage page_token',
      { pageToken: 'garbage' },
      'page_token',
      'page_token: got "garbage"; allowed: a next_page_token',
    ],
    ['a long page_token', { pageToken: 't'.repeat(513) }, 'page_token', 'page_token: got "ttt'],
    [
      'an unknown state',
      { state: 7 as unknown as 'SWEEP_STATE_DONE' },
      'state',
      'state: got 7; allowed: one of SWEEP_STATE_UNSPECIFIED, SWEEP_STATE_ACTIVE, SWEEP_STATE_DONE',
    ],
    [
      'a bad label key',
      { labels: { 'bad key': 'x' } },
      'labels["bad key"]',
      'labels["bad key"]: got "bad key"; allowed: a key of 1-63',
    ],
    [
      'a long label value',
      { labels: { k: 'v'.repeat(257) } },
      'labels["k"]',
      'allowed: a value of at most 256 characters',
    ],
  ])('ListSweeps with %s is INVALID_ARGUMENT naming the field', async (_, request, field, text) => {
    const error = await failure(sweeps.listSweeps(request));
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toContain(text);
    expect(fieldViolation(error).field).toBe(field);
  });
});
