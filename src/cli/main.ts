#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CommanderError } from 'commander';
import { createContext } from './context.js';
import { type CliIo, describeError, EXIT } from './io.js';
import { createProgram } from './program.js';

/**
 * Runs the `gradnoise` CLI on `argv` (the arguments after the program name) and resolves with the
 * exit code (see `EXIT`): errors are printed to stderr as `error: CODE: message`, never thrown.
 */
export async function main(
  argv: readonly string[],
  io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env },
): Promise<number> {
  const ctx = createContext(io);
  try {
    await createProgram(ctx).parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (error) {
    // Help and version are "errors" to exitOverride; commander has printed them already.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.error;
    io.stderr.write(`error: ${describeError(error)}\n`);
    return EXIT.error;
  } finally {
    ctx.close();
  }
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  // `gradnoise sweep report … | head`: the reader left, so the rest of the output has nowhere to go.
  // Stop quietly as Unix tools do, instead of dying on an unhandled EPIPE.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.ok);
      throw error;
    });
  }
  process.exitCode = await main(process.argv.slice(2));
}
