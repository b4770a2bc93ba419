import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ANY_DATA_DIR, dataRootPolicy, IDX_FILES } from '../../../src/data/index.js';
import { compileRunSpec } from '../../../src/runs/compile-spec.js';
import { WorkerPool } from '../../../src/runs/pool.js';

/**
 * How "no file was opened" is observed: every IDX file of the directory outside the roots is a FIFO.
 * Opening a FIFO to read blocks until a writer comes, so a worker that opens one stays inside
 * `open` until released. Meanwhile the test polls each FIFO with a non-blocking open for writing,
 * which succeeds only while a reader has it open (ENXIO otherwise): that records the open and
 * releases the reader, which then reads end-of-file, so even a worker that does open the files
 * finishes (FAILED, on a truncated file) instead of hanging the test.
 */
let base: string;
let pool: WorkerPool | null = null;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'gradnoise-worker-roots-'));
});
afterEach(async () => {
  await pool?.close();
  pool = null;
  await rm(base, { recursive: true, force: true });
});

/** Polls the FIFOs until stopped; returns the names a reader held open at some poll. */
function watchOpens(dir: string, names: readonly string[]): { opened: Set<string>; stop(): void } {
  const opened = new Set<string>();
  const timer = setInterval(() => {
    for (const name of names) {
      try {
        closeSync(openSync(join(dir, name), constants.O_WRONLY | constants.O_NONBLOCK));
        opened.add(name);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENXIO') throw error;
      }
    }
  }, 5);
  return { opened, stop: () => clearInterval(timer) };
}

describe('the data root policy inside a training worker', () => {
  it('refuses a job whose IDX directory lies outside the roots, naming the policy, without opening a file', async () => {
    const allowed = join(base, 'allowed');
    const outside = join(base, 'outside');
    await mkdir(allowed);
    await mkdir(outside);
    const names = Object.values(IDX_FILES);
    for (const name of names) execFileSync('mkfifo', [join(outside, name)]);

    pool = await WorkerPool.start({
      size: 1,
      boot: {
        backend: 'cpu',
        flushIntervalMs: 20,
        flushPoints: 500,
        nice: 0,
        dataRoots: dataRootPolicy([allowed], 'GRADNOISE_DATA_ROOTS'),
      },
    });
    // The main thread's checks bypassed: compiled under no policy and handed straight to the pool,
    // with no preflight, as a run queued by a replica with other roots would be.
    const spec = compileRunSpec(
      {
        trainer: 'mlp',
        trainerConfig: { depth: 1, width: 4, data: { source: 'idx', dir: outside } },
        maxSteps: 1,
      },
      ANY_DATA_DIR,
    );
    const watch = watchOpens(outside, names);
    try {
      const job = pool.run({ runId: 'outside-roots', attempt: 1, spec, checkpoint: null }, () => {});
      const outcome = await job?.done;
      expect([...watch.opened]).toEqual([]);
      expect(outcome).toEqual({
        status: 'FAILED',
        error:
          `data.dir: got ${JSON.stringify(outside)}; allowed: a directory in ${allowed} ` +
          "(the server's data root policy, GRADNOISE_DATA_ROOTS)",
      });
    } finally {
      watch.stop();
    }
  }, 30_000);
});
