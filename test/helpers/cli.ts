import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';

/** What one CLI invocation printed and returned. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * A function that runs the `gradnoise` CLI in-process against the server at `address` (given as
 * `--target`), capturing its output; `env` is the environment the CLI sees (default: empty).
 */
export function cliAgainst(
  address: () => string,
): (args: readonly string[], env?: Record<string, string>) => Promise<CliResult> {
  return async (args, env = {}) => {
    let stdout = '';
    let stderr = '';
    const errStream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        stderr += chunk.toString();
        callback();
      },
    });
    const code = await main(['--target', address(), ...args], {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: errStream,
      env,
    });
    return { code, stdout, stderr };
  };
}
