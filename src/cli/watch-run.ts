import cliProgress from 'cli-progress';
import type { Connection } from '../client/index.js';
import type { Run__Output } from '../generated/proto/gradnoise/v1/Run.js';
import { runStatusLabel } from '../protocol/index.js';
import { type CliIo, EXIT, num, printJson } from './io.js';

/** The exit code a run's final status (its wire name, `RUN_STATUS_*`) maps to (see `EXIT`). */
export function exitCodeOf(status: string): number {
  if (status === 'RUN_STATUS_COMPLETED') return EXIT.ok;
  if (status === 'RUN_STATUS_FAILED') return EXIT.runFailed;
  if (status === 'RUN_STATUS_CANCELLED') return EXIT.runCancelled;
  if (status === 'RUN_STATUS_STOPPED_EARLY') return EXIT.runStoppedEarly;
  return EXIT.error;
}

/**
 * Follows a run to its end through StreamMetrics: a progress bar of steps out of max_steps with the
 * live loss (on a terminal), then the final run (JSON with --json, else one line), and returns the
 * exit code of its final status.
 */
export async function watchRun(conn: Connection, runId: string, io: CliIo, json: boolean): Promise<number> {
  const run = await conn.training.getRun({ runId });
  const total = Number(run.spec?.maxSteps ?? 0);
  const bar =
    io.stderr.isTTY === true && !json
      ? new cliProgress.SingleBar(
          {
            stream: io.stderr,
            format: `${runId.slice(0, 8)} {bar} {value}/{total} steps | loss {loss} | {status}`,
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        )
      : null;
  let loss = Number.NaN;
  let step = Number(run.currentStep);
  bar?.start(total, step, { loss: '-', status: runStatusLabel(run.status) });
  // Replay from just before the current step, so the bar starts with the latest loss.
  const stream = conn.training.streamMetrics({
    runId,
    sinceStep: String(Math.max(0, step - 1)),
    names: ['loss'],
  });
  try {
    for await (const message of stream) {
      for (const point of message.points) {
        step = Math.max(step, Number(point.step));
        loss = point.value;
      }
      bar?.update(step, { loss: num(loss), status: runStatusLabel(message.status) });
      if (message.final) break;
    }
  } finally {
    stream.cancel();
    bar?.stop();
  }
  const final: Run__Output = await conn.training.getRun({ runId });
  if (json) printJson(io, final);
  else {
    const error = final.error ? ` (${final.error})` : '';
    io.stdout.write(
      `run ${final.id} ${runStatusLabel(final.status)} at step ${final.currentStep}/${total}, loss ${num(loss)}${error}\n`,
    );
  }
  return exitCodeOf(final.status);
}
