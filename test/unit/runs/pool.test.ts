import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunSpec } from '../../../src/core/index.js';
import { ANY_DATA_DIR } from '../../../src/data/index.js';
import { compileRunSpec } from '../../../src/runs/compile-spec.js';
import { type PoolEvent, WorkerPool } from '../../../src/runs/pool.js';
import { Control, type FromWorker } from '../../../src/runs/worker/protocol.js';

const boot = {
  backend: 'wasm' as const,
  flushIntervalMs: 20,
  flushPoints: 500,
  nice: 10,
  dataRoots: ANY_DATA_DIR,
};
const scripted = new URL('./fixtures/scripted-worker.ts', import.meta.url);
const spec = (trainer: string): RunSpec => ({
  ...compileRunSpec({ trainer: 'smoke', maxSteps: 3 }, ANY_DATA_DIR),
  trainer,
});
const pools: WorkerPool[] = [];
afterEach(async () => {
  for (const p of pools.splice(0)) await p.close();
});

async function start(options: { size: number; entry?: URL; events?: PoolEvent[] }): Promise<WorkerPool> {
  const pool = await WorkerPool.start({
    size: options.size,
    boot,
    ...(options.entry ? { entry: options.entry } : {}),
    onWorkerEvent: (e) => options.events?.push(e),
  });
  pools.push(pool);
  return pool;
}

const job = (runId: string, trainer: string) => ({
  runId,
  attempt: 1,
  spec: spec(trainer),
  checkpoint: null,
});
const until = async (predicate: () => boolean) => {
  for (let i = 0; i < 400 && !predicate(); i += 1) await new Promise((r) => setTimeout(r, 25));
  expect(predicate()).toBe(true);
};

describe('WorkerPool', () => {
  it('trains a real job in a worker thread, which selected its own backend', async () => {
    const events: PoolEvent[] = [];
    const pool = await start({ size: 1, events });
    expect(pool.backends).toEqual(['wasm']);
    expect(events[0]).toMatchObject({ kind: 'ready', backend: 'wasm' });
    const messages: FromWorker[] = [];
    const active = pool.run(
      {
        runId: 'r1',
        attempt: 1,
        spec: compileRunSpec({ trainer: 'smoke', maxSteps: 5, checkpointEvery: 5 }, ANY_DATA_DIR),
        checkpoint: null,
      },
      (m) => messages.push(m),
    );
    expect(pool.idle).toBe(0);
    expect(await active?.done).toEqual({ status: 'COMPLETED', endReason: 'BUDGET' });
    const types = messages.map((m) => m.type);
    expect(types[0]).toBe('started');
    expect(types.at(-1)).toBe('finished');
    expect(types.filter((t) => t === 'checkpoint')).toHaveLength(1);
    expect(types.filter((t) => t === 'metrics').length).toBeGreaterThanOrEqual(2);
    const checkpoint = messages.find((m) => m.type === 'checkpoint');
    expect(checkpoint?.type === 'checkpoint' && checkpoint.bytes.byteLength).toBeGreaterThan(100);
    await until(() => pool.idle === 1);
  });

  it.runIf(process.platform === 'linux')(
    'lowers the priority of its training threads only, not of the thread that serves',
    async () => {
      const events: PoolEvent[] = [];
      const niceOf = (task: string): number =>
        // Field 19 of /proc/<pid>/task/<tid>/stat; the name (field 2) may hold spaces, so count from ')'.
        Number(readFileSync(`/proc/self/task/${task}/stat`, 'utf8').split(')').at(-1)?.trim().split(' ')[16]);
      const before = new Set(readdirSync('/proc/self/task'));
      // The test itself may run niced (e.g. `nice -n 5 npx vitest`): the workers' threads go to
      // nice 10 or stay at the process's own value if that is higher, and the serving thread keeps it.
      const base = niceOf(String(process.pid));
      const lowered = Math.max(10, base);
      await start({ size: 1, events });
      expect(events[0]).toMatchObject({ kind: 'ready', priority: { applied: true, nice: lowered } });
      const niced = readdirSync('/proc/self/task').filter((t) => !before.has(t) && niceOf(t) === lowered);
      expect(niced.length).toBeGreaterThanOrEqual(1);
      const older = readdirSync('/proc/self/task').filter((t) => before.has(t));
      expect(older.every((t) => niceOf(t) === base)).toBe(true);
      expect(niceOf(String(process.pid))).toBe(base);
    },
  );

  it('runs one job per worker and refuses a job when none is idle', async () => {
    const pool = await start({ size: 2, entry: scripted });
    const a = pool.run(job('a', 'hang'), () => {});
    const b = pool.run(job('b', 'hang'), () => {});
    expect(a).not.toBeNull();
    expect(b).not.toBeNull();
    expect(pool.run(job('c', 'complete'), () => {})).toBeNull();
    await a?.kill();
    expect(await a?.done).toEqual({ status: 'ABORTED' });
    await until(() => pool.idle === 1);
    expect(await pool.run(job('c', 'complete'), () => {})?.done).toEqual({
      status: 'COMPLETED',
      endReason: 'BUDGET',
    });
  });

  it.each([
    ['an uncaught error', 'throw', /worker crashed: simulated fault in the training thread/],
    ['an exit', 'exit', /worker crashed: thread exited with code 3/],
  ])(
    'reports the run FAILED when its worker dies of %s, and replaces the worker',
    async (_label, trainer, error) => {
      const events: PoolEvent[] = [];
      const pool = await start({ size: 1, entry: scripted, events });
      const active = pool.run(job('doomed', trainer), () => {});
      const outcome = await active?.done;
      expect(outcome).toMatchObject({ status: 'FAILED', error: expect.stringMatching(error) });
      await until(() => pool.idle === 1);
      expect(events.map((e) => e.kind)).toEqual(['ready', 'crashed', 'replaced', 'ready']);
      expect(await pool.run(job('next', 'complete'), () => {})?.done).toEqual({
        status: 'COMPLETED',
        endReason: 'BUDGET',
      });
    },
  );

  it('replaces a worker that lost its device once its job has ended, and gives it no new job', async () => {
    const events: PoolEvent[] = [];
    const pool = await start({ size: 1, entry: scripted, events });
    const active = pool.run(job('gpu', 'lose-device'), () => {});
    expect(await active?.done).toEqual({ status: 'RETRY', error: 'webgpu device lost (unknown): simulated' });
    await until(() => pool.idle === 1);
    expect(events.map((e) => e.kind)).toEqual(['ready', 'replaced', 'ready']);
    expect(events[1]).toEqual({ kind: 'replaced', detail: 'webgpu device lost (unknown): simulated' });
    expect(await pool.run(job('next', 'complete'), () => {})?.done).toEqual({
      status: 'COMPLETED',
      endReason: 'BUDGET',
    });
  });

  it('boots every worker expecting the first one’s backend and device', async () => {
    const pool = await start({ size: 1, entry: scripted });
    expect(pool.backends).toEqual(['scripted']);
    await expect(
      WorkerPool.start({ size: 1, boot: { ...boot, expect: { name: 'webgpu', device: 'nvidia hopper' } } }),
    ).rejects.toMatchObject({
      code: 'FAILED_PRECONDITION',
      message: expect.stringMatching(
        /^training worker could not start: this thread got backend wasm on .*, but the replica runs on webgpu on nvidia hopper/,
      ),
    });
  });

  it('close() ends running jobs as ABORTED; signal() reaches the worker through shared memory', async () => {
    const pool = await start({ size: 1 });
    const messages: FromWorker[] = [];
    const active = pool.run(
      {
        runId: 'long',
        attempt: 1,
        spec: compileRunSpec({ trainer: 'smoke', maxSteps: 1_000_000 }, ANY_DATA_DIR),
        checkpoint: null,
      },
      (m) => messages.push(m),
    );
    await until(() => messages.some((m) => m.type === 'metrics'));
    active?.signal(Control.suspend);
    expect(await active?.done).toEqual({ status: 'SUSPENDED' });
    const second = pool.run(job('hang', 'smoke'), () => {});
    await pool.close();
    expect(await second?.done).toEqual({ status: 'ABORTED' });
  });
});
