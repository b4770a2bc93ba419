import type { TrainingApi } from '../../src/client/index.js';
import type { Run__Output } from '../../src/generated/proto/gradnoise/v1/Run.js';
import type { StartRunRequest } from '../../src/generated/proto/gradnoise/v1/StartRunRequest.js';

/** StartRun request for the paper's mlp (§4.1: 20 × 50, batch 100) with SGD 0.01 and noise η = 0.01. */
export function mlpRequest(
  seed: number,
  maxSteps: number,
  overrides: { readonly depth?: number; readonly requestId?: string } = {},
): StartRunRequest {
  return {
    trainer: 'mlp',
    mlp: { depth: overrides.depth ?? 20, width: 50, batchSize: 100 },
    optimizer: { kind: 'OPTIMIZER_KIND_SGD', learningRate: 0.01 },
    noise: { eta: 0.01, gamma: 0.55 },
    seed,
    maxSteps,
    // One evaluation and one checkpoint, at the end: the sweep measures training, not evaluation.
    evalEvery: maxSteps,
    checkpointEvery: maxSteps,
    ...(overrides.requestId === undefined ? {} : { requestId: overrides.requestId }),
  };
}

const TERMINAL = new Set(['RUN_STATUS_COMPLETED', 'RUN_STATUS_FAILED', 'RUN_STATUS_CANCELLED']);

/**
 * Waits until every run is terminal; rejects when one did not complete. Each poll asks GetRun
 * about the first unfinished run only, and on to the next as soon as one has ended: the end of the
 * last run is still seen within `pollMs`, while the client sends one request per poll, not one per
 * run (polling every run each time took a visible share of a two-core machine in the sweep
 * section: docs/benchmarks.md, "Figures behind the code").
 */
export async function waitForRuns(
  api: TrainingApi,
  ids: readonly string[],
  timeoutMs: number,
  pollMs = 200,
): Promise<Run__Output[]> {
  const deadline = Date.now() + timeoutMs;
  const done: Run__Output[] = [];
  while (done.length < ids.length) {
    if (Date.now() > deadline)
      throw new Error(`${ids.length - done.length} runs not finished after ${timeoutMs} ms`);
    const id = ids[done.length] as string;
    const run = await api.getRun({ runId: id });
    if (TERMINAL.has(run.status)) {
      if (run.status !== 'RUN_STATUS_COMPLETED')
        throw new Error(`run ${id} ended ${run.status}: ${run.error}`);
      done.push(run);
      continue;
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return done;
}

/** Polls GetRun until the run is RUNNING and has trained `minStep` steps. */
export async function waitForProgress(
  api: TrainingApi,
  id: string,
  minStep: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await api.getRun({ runId: id });
    if (TERMINAL.has(run.status)) throw new Error(`run ${id} ended ${run.status}: ${run.error}`);
    if (run.status === 'RUN_STATUS_RUNNING' && Number(run.currentStep) >= minStep) return;
    if (Date.now() > deadline) throw new Error(`run ${id} at step ${run.currentStep} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
