import * as tf from '@tensorflow/tfjs';
import { nativeKernels } from '../../backend/index.js';
import { runStreams } from '../../core/index.js';
import { createInnerOptimizer, createNoisyOptimizer, type NoisyOptimizer } from '../../optim/index.js';
import { builtinTrainers, type TrainerSession } from '../../trainers/index.js';
import { describeDeviceLost, lossAfterFailure } from './device-lost.js';
import { applyInitFrom } from './init-from.js';
import { LearningRateDriver } from './learning-rate.js';
import { PhaseTracker } from './phases.js';
import { FiniteChecks } from './points.js';
import type { RunJob, RunOutcome } from './protocol.js';
import { restoreCheckpoint } from './state.js';
import { type LoopSettings, type Post, trainSteps } from './steps.js';

/**
 * Runs one attempt to its end and posts every message of it, `finished` last. Never throws.
 *
 * The generic training loop of one run attempt, trainer-agnostic. It runs inside a worker thread in
 * production and on any thread in tests (it only needs a `post` function). `runJob` sets the attempt
 * up (trainer session, optimizer, restored or initial state) and ends it; `steps.ts` trains it.
 *
 * Steps are counted as the optimizer updates completed: metric points and checkpoints of "step s"
 * describe the model after s updates, and `trainStep(s)` performs update s + 1. An attempt resumed
 * from a checkpoint at step k restores the trainer's tensors, the inner optimizer's slots and the
 * noise state {step, seed, skipped}, then continues with `trainStep(k)`; since every random stream
 * is a function of (seed, step), it reproduces the uninterrupted run bit for bit on the same backend.
 * It posts the steps after k again, which the store upserts: on the same backend with the values it
 * already holds, so a watcher (which keeps the first value of a (name, step), `watch.ts`) still
 * agrees with a replay. On another backend (which the scheduler logs as not bit-identical) the
 * recomputed steps are a new trajectory that drifts apart step by step: the store keeps the new
 * values, while a watcher that already streamed those steps from the lost attempt keeps the old ones.
 *
 * A run with an init_from starts its first attempt from the other run's checkpoint (`job.init`,
 * `init-from.ts`): at step 0 with its weights (fine-tune), or at that checkpoint's step with all its
 * state (a fork), and trains on as above.
 *
 * Device lost (`webgpu`): once the thread's GPU device is lost, the attempt ends RETRY with the
 * reason, whatever error the lost device caused on the way, and writes nothing more: the run goes
 * back to the queue and resumes from its last checkpoint, as after a replica crash.
 */
export async function runJob(job: RunJob, settings: LoopSettings, post: Post): Promise<RunOutcome> {
  const tensorsBefore = tf.memory().numTensors;
  let step = 0;
  let outcome: RunOutcome;
  let optimizer: NoisyOptimizer | null = null;
  let session: TrainerSession | null = null;
  try {
    const { spec } = job;
    const trainer = (settings.trainers ?? builtinTrainers).get(spec.trainer);
    optimizer = createNoisyOptimizer(createInnerOptimizer(spec.optimizer), {
      ...spec.noise,
      seed: spec.seed,
      clip: spec.clip,
      // Every trainer disposes its gradients right after the step (see NoiseOptions).
      overwriteGradients: true,
    });
    // The version comes with the spec: a run draws from the streams it started with.
    const streams = runStreams(spec.seed, spec.streamVersion);
    const kernels = settings.backend === 'native' ? nativeKernels() : null;
    session = await trainer.create(spec.trainerConfig, {
      streams,
      optimizer,
      backend: settings.backend,
      dataRoots: settings.dataRoots,
      ...(kernels === null ? {} : { denseKernels: kernels, neuralGpuKernels: kernels, nramKernels: kernels }),
    });
    // Version 2 keys each tensor's noise by its checkpoint name; version 1 by its position.
    if (spec.streamVersion >= 2) {
      // A plugin is plain JS: say which part of the contract is missing rather than a TypeError.
      if (typeof session.parameterNames !== 'function')
        throw new Error(`trainer ${spec.trainer}: its session has no parameterNames() (see TrainerSession)`);
      optimizer.keyNoiseByName(session.parameterNames());
    }
    const restored =
      job.checkpoint === null ? null : restoreCheckpoint(job.checkpoint, spec, session, optimizer);
    // A run's first attempt from another run's checkpoint (`init-from.ts`); later ones resume.
    const initial =
      restored === null && job.init !== undefined ? applyInitFrom(job.init, spec, session, optimizer) : null;
    step = restored?.step ?? initial?.step ?? 0;
    const learningRate = new LearningRateDriver(spec.lrSchedule, spec.optimizer.learningRate, optimizer);
    const lrState = restored?.lrSchedule ?? initial?.lrSchedule;
    if (lrState != null) learningRate.restore(lrState);
    post({
      type: 'started',
      runId: job.runId,
      startStep: step,
      backend: settings.backend,
      device: settings.device ?? '',
      checkpointBackend: restored?.backend ?? initial?.backend ?? null,
    });
    const finite = new FiniteChecks(trainer.metrics);
    // A fork's series starts at its own first step, so it records the phase it starts in.
    const phases = new PhaseTracker(trainer, session, restored !== null);
    const solved = restored?.solved === true;
    const attempt = { session, optimizer, streams, finite, phases, solved, learningRate };
    outcome = await trainSteps(job, settings, attempt, step, post, (s) => {
      step = s;
    });
  } catch (error) {
    outcome = { status: 'FAILED', error: error instanceof Error ? error.message : String(error) };
  } finally {
    session?.dispose();
    optimizer?.dispose();
  }
  // Whatever failed on the way (a read rejected, a non-finite value from a dead device), a lost
  // device is the cause; also when the attempt got to its end but the last reads were lost.
  const lost =
    outcome.status === 'FAILED' ? await lossAfterFailure(settings) : (settings.deviceLost?.() ?? null);
  if (lost !== null && outcome.status !== 'ABORTED')
    outcome = { status: 'RETRY', error: describeDeviceLost(lost) };
  const leakedTensors = tf.memory().numTensors - tensorsBefore;
  post({ type: 'finished', runId: job.runId, step, outcome, leakedTensors });
  return outcome;
}
