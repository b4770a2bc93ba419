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

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

/** Polls GetRun until every run is terminal; rejects when one did not complete. */
export async function waitForRuns(
  api: TrainingApi,
  ids: readonly string[],
  timeoutMs: number,
  pollMs = 200,
): Promise<Run__Output[]> {
  const deadline = Date.now() + timeoutMs;
  const done = new Map<string, Run__Output>();
  while (done.size < ids.length) {
    if (Date.now() > deadline)
      throw new Error(`${ids.length - done.size} runs not finished after ${timeoutMs} ms`);
    for (const id of ids) {
      if (done.has(id)) continue;
      const run = await api.getRun({ runId: id });
      if (TERMINAL.has(run.status)) {
        if (run.status !== 'COMPLETED') throw new Error(`run ${id} ended ${run.status}: ${run.error}`);
        done.set(id, run);
      }
    }
    if (done.size < ids.length) await new Promise((r) => setTimeout(r, pollMs));
  }
  return ids.map((id) => done.get(id) as Run__Output);
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
    if (run.status === 'RUNNING' && Number(run.currentStep) >= minStep) return;
    if (Date.now() > deadline) throw new Error(`run ${id} at step ${run.currentStep} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
