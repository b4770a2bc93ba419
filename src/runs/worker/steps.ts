import type { DeviceLostInfo } from '../../backend/index.js';
import type { RunStreams } from '../../core/index.js';
import type { DataRootPolicy } from '../../data/index.js';
import type { NoisyOptimizer } from '../../optim/index.js';
import type { TrainerRegistry, TrainerSession } from '../../trainers/index.js';
import { PointBatcher } from './batcher.js';
import { DeviceLost } from './device-lost.js';
import type { LearningRateDriver } from './learning-rate.js';
import type { PhaseTracker } from './phases.js';
import { type FiniteChecks, NonFinite, toPoints } from './points.js';
import { Control, type FromWorker, GATE_CLOSED, type RunJob, type RunOutcome } from './protocol.js';
import { waitAtGate } from './rung-gate.js';
import { captureCheckpoint, readMetrics } from './state.js';

/** What the thread that runs attempts gives `runJob`: its backend, flushing, data policy, trainers. */
export interface LoopSettings {
  /** Name of the backend this thread selected, e.g. `wasm`. */
  readonly backend: string;
  /** Its device, one line (`BackendSelection.device`). Default ''. */
  readonly device?: string;
  readonly flushIntervalMs: number;
  readonly flushPoints: number;
  /** What trainer sessions may read (the boot's policy); handed to each in its context. */
  readonly dataRoots: DataRootPolicy;
  /** The trainers this thread loaded (built-ins and its boot's plugins). Default: the built-ins. */
  readonly trainers?: TrainerRegistry;
  /** Why this thread's GPU device was lost, or null while it is not. Default: never lost. */
  readonly deviceLost?: () => DeviceLostInfo | null;
}

/** Posts one message to the main thread (or the test that runs the loop). */
export type Post = (message: FromWorker, transfer?: readonly ArrayBuffer[]) => void;

/** What `runJob` set up for the attempt. */
export interface Attempt {
  readonly session: TrainerSession;
  readonly optimizer: NoisyOptimizer;
  readonly streams: RunStreams;
  readonly finite: FiniteChecks;
  readonly phases: PhaseTracker;
  /** Restored from the checkpoint of a run solved at its step: train no further. */
  readonly solved: boolean;
  readonly learningRate: LearningRateDriver;
}

/**
 * The step loop of one attempt (`runJob` in `loop.ts` sets it up), from `startStep` to the
 * budget, a graceful control, a solved step or a failure.
 *
 * Per step: check the control word and the device; set the step's learning rate (`learning-rate.ts`);
 * train; settle the optimizer's step (`NoisyOptimizer.settle`: on a GPU backend its norm is read
 * back only now); read and dispose the metrics (asynchronously: a GPU backend has no synchronous
 * read in Node); add `grad_norm` and `noise_std` from the optimizer when the trainer did not report
 * them, or when they were read back late, and `learning_rate` when the schedule is not constant; evaluate every
 * `evalEvery` steps and at the end, and feed the evaluation to the schedule; post the step's
 * points; checkpoint (with the schedule's state) every `checkpointEvery` steps and at the end.
 *
 * One point per (name, step): the step's and its evaluation's values are merged into one map before
 * anything is posted, and on a name both report (e.g. `curriculum_length`) the evaluation's value
 * replaces the step's. That is the value the store keeps (its upsert keeps the later write), so the
 * live stream, the sink and Prometheus all see exactly the points a replay returns.
 *
 * Non-finite policy: the trainer declares which metrics must be finite (`MetricDeclaration.finite`,
 * e.g. `loss` per step and `test_loss` per evaluation). When a declared per-step one is missing or
 * NaN or ±∞, or a declared evaluation one is reported NaN or ±∞, the attempt ends FAILED with `step <s>: <name> is <value>; …` and writes no checkpoint (the
 * state is poisoned; the last good checkpoint stays). Other non-finite values (the optimizer reports
 * `grad_norm` NaN/∞ for a step it skipped) are not recorded as points, since they cannot be stored
 * or charted; the skip count is in the checkpoint's noise state.
 *
 * Done and phases (`TrainerSession.isSolved`, `phase`): after each step and its evaluation the
 * loop reads the session's phase (a change becomes the step's `phase` point, `phases.ts`) and asks
 * whether it is solved; a solved run is evaluated and checkpointed (marked solved) at that step and
 * ends COMPLETED with end reason SOLVED. An attempt resumed from such a checkpoint only recomputes
 * the final evaluation, like one resumed from the final checkpoint of its budget.
 *
 * Control (between steps): `cancel`, `suspend` and `stop` write a checkpoint of the current step
 * unless one exists, then end CANCELLED / SUSPENDED / STOPPED_EARLY; `abort` ends at once, writing
 * nothing.
 *
 * Rung gates (`RunJob.gate`, ASHA early stopping): at a rung the loop posts the step's points and a
 * `gate` message, then waits (without blocking the thread's event loop) until the main thread has
 * judged it and opened the gate; a run to be stopped finds `stop` in the control word. Waiting makes
 * the outcome independent of timing: a run stopped at a rung trains no step past it.
 */
export async function trainSteps(
  job: RunJob,
  settings: LoopSettings,
  attempt: Attempt,
  startStep: number,
  post: Post,
  progress: (step: number) => void,
): Promise<RunOutcome> {
  const { runId, spec } = job;
  const { session, optimizer, finite, phases, learningRate } = attempt;
  const control = new Int32Array(job.control);
  const batcher = new PointBatcher(runId, post, settings);
  let checkpointed = startStep;
  const checkpoint = async (step: number, solved = false): Promise<void> => {
    batcher.flush(step);
    const file = await captureCheckpoint({
      runId,
      step,
      spec,
      backend: settings.backend,
      ...attempt,
      solved,
      lrSchedule: learningRate.state,
    });
    post({ type: 'checkpoint', runId, step, ...file }, [file.bytes.buffer as ArrayBuffer]);
    checkpointed = step;
  };
  /** Evaluates at `step` and sets its values into the step's `values` (the evaluation wins). */
  const evaluate = async (step: number, values: Map<string, number>): Promise<void> => {
    const evaluated = Object.entries(await session.evaluate(step));
    // All checked before any is merged: a failing evaluation leaves the step's own values intact.
    finite.evaluation(step, evaluated);
    for (const [name, value] of evaluated) values.set(name, value);
  };

  const gate = job.gate;
  /** Index of the next rung budget the run has not passed. */
  let nextRung = gate === undefined ? 0 : gate.steps.filter((s) => s <= startStep).length;
  let step = startStep;
  try {
    for (; step < spec.maxSteps && !attempt.solved; ) {
      const command = Atomics.load(control, 0);
      if (command === Control.abort) return { status: 'ABORTED' };
      if (settings.deviceLost?.() != null) throw new DeviceLost();
      if (command === Control.cancel || command === Control.suspend || command === Control.stop) {
        if (step > checkpointed) await checkpoint(step);
        batcher.flush(step);
        return { status: ENDED_BY[command] };
      }
      const rate = learningRate.beforeStep(step);
      const started = performance.now();
      const reported =
        session.trainStepAsync === undefined ? session.trainStep(step) : await session.trainStepAsync(step);
      const stats = await optimizer.settle();
      const values = await readMetrics(reported);
      const seconds = (performance.now() - started) / 1000;
      step += 1;
      progress(step);
      if (stats.deferred || !values.has('grad_norm')) values.set('grad_norm', stats.gradGlobalNorm);
      if (stats.deferred || !values.has('noise_std')) values.set('noise_std', stats.noiseStd);
      if (learningRate.reports && !values.has('learning_rate')) values.set('learning_rate', rate);
      finite.step(step, values);
      let solved = false;
      try {
        const due = step % spec.evalEvery === 0 || step === spec.maxSteps;
        if (due) {
          await evaluate(step, values);
          learningRate.afterEvaluation(values);
        }
        solved = session.isSolved?.() === true;
        // A solved run ends here, so this is its final evaluation.
        if (solved && !due) await evaluate(step, values);
        // `step` is already the next step: the first of the new phase.
        if (phases.observe(values)) learningRate.phaseStarted(step);
      } finally {
        // Posted once, evaluation merged in; also when the evaluation failed, so the step's own
        // points are kept for diagnosis.
        batcher.add(toPoints(runId, step, values, Date.now()), seconds);
      }
      if (solved || step % spec.checkpointEvery === 0 || step === spec.maxSteps)
        await checkpoint(step, solved);
      if (solved) {
        batcher.flush(step);
        return { status: 'COMPLETED', endReason: 'SOLVED' };
      }
      const gateValue = gate === undefined ? undefined : values.get(gate.metric);
      if (
        gate !== undefined &&
        gateValue !== undefined &&
        step < spec.maxSteps &&
        step >= (gate.steps[nextRung] ?? Infinity)
      ) {
        while (step >= (gate.steps[nextRung] ?? Infinity)) nextRung += 1;
        batcher.flush(step);
        Atomics.store(control, 1, GATE_CLOSED);
        post({ type: 'gate', runId, step, value: gateValue });
        await waitAtGate(control);
        continue;
      }
      batcher.maybeFlush(step);
    }
    // Resumed from the final checkpoint (the previous attempt died before finishing): the final
    // evaluation is recomputed, which upserts the same values.
    if ((startStep === spec.maxSteps || attempt.solved) && startStep > 0) {
      const values = new Map<string, number>();
      await evaluate(step, values);
      batcher.add(toPoints(runId, step, values, Date.now()));
    }
    batcher.flush(step);
    return { status: 'COMPLETED', endReason: attempt.solved ? 'SOLVED' : 'BUDGET' };
  } catch (error) {
    // A lost device wrote nothing more: its points after the last checkpoint are recomputed.
    if (error instanceof DeviceLost) throw error;
    batcher.flush(step);
    if (error instanceof NonFinite) return { status: 'FAILED', error: error.message };
    throw error;
  }
}

/** The outcome each graceful control ends an attempt with. */
const ENDED_BY = {
  [Control.cancel]: 'CANCELLED',
  [Control.suspend]: 'SUSPENDED',
  [Control.stop]: 'STOPPED_EARLY',
} as const;
