import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { EXIT, printJson, time } from '../io.js';
import { pageRequest, printPage } from '../paging.js';
import { integerFlag } from '../run-request.js';

/**
 * `gradnoise checkpoint get`: downloads a safetensors checkpoint and verifies its sha256;
 * `gradnoise checkpoint list`: the steps a run has checkpoints at.
 */
export function registerCheckpointCommands(program: Command, ctx: CommandContext): void {
  const checkpoint = program.command('checkpoint').description('list and download checkpoints of runs');
  checkpoint
    .command('list <run-id>')
    .description("list a run's checkpoints by ascending step: the steps `checkpoint get --step` can fetch")
    .option('--page-size <n>', 'checkpoints per page, 1-1000', '50')
    .option('--page-token <token>', 'next_page_token of the previous page (default: the first page)')
    .action(async (runId: string, _: unknown, command: Command) => {
      const options = ctx.options<{ pageSize: string; pageToken?: string }>(command);
      const page = await ctx.connection(command).training.listCheckpoints({
        runId,
        ...pageRequest(options),
      });
      printPage(ctx.io, options.json, page, ['STEP', 'BYTES', 'SHA256', 'CREATED'], (p) =>
        p.checkpoints.map((c) => [c.step, c.sizeBytes, c.sha256, time(c.createdAt)]),
      );
    });

  checkpoint
    .command('get <run-id>')
    .description('download a checkpoint as safetensors; verifies its size and sha256 before writing')
    .option('--step <n>', 'step of the checkpoint (0: the latest)', '0')
    .requiredOption('--out <file>', 'file to write, e.g. model.safetensors (required)')
    .action(async (runId: string, _: unknown, command: Command) => {
      const options = ctx.options<{ step: string; out: string }>(command);
      const stream = ctx.connection(command).training.getCheckpoint({
        runId,
        step: String(integerFlag('--step', options.step, 0, Number.MAX_SAFE_INTEGER)),
      });
      const chunks: Buffer[] = [];
      let meta: { step: string; sizeBytes: string; sha256: string; format: string } | undefined;
      let offset = 0;
      for await (const message of stream) {
        if (meta === undefined) {
          meta = message;
          continue;
        }
        if (Number(message.offset) !== offset)
          throw new Error(`chunk at offset ${message.offset}, expected ${offset}`);
        chunks.push(message.data);
        offset += message.data.byteLength;
      }
      if (meta === undefined) throw new Error('empty checkpoint stream');
      const data = Buffer.concat(chunks);
      const sha256 = createHash('sha256').update(data).digest('hex');
      if (data.byteLength !== Number(meta.sizeBytes) || sha256 !== meta.sha256) {
        ctx.io.stderr.write(
          `error: checkpoint corrupted in transit: ${data.byteLength} bytes with sha256 ${sha256}, ` +
            `expected ${meta.sizeBytes} bytes with sha256 ${meta.sha256}; nothing written\n`,
        );
        ctx.exit(EXIT.error);
        return;
      }
      await writeFile(options.out, data);
      const summary = {
        runId,
        step: meta.step,
        sizeBytes: data.byteLength,
        sha256,
        format: meta.format,
        out: options.out,
      };
      if (options.json) printJson(ctx.io, summary);
      else
        ctx.io.stdout.write(
          `wrote ${options.out}: step ${meta.step}, ${data.byteLength} bytes, sha256 ${sha256} (verified)\n`,
        );
    });
}
