import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Helpers for the tests that drive the service from another language's client (examples/python,
 * examples/ruby): whether that toolchain is installed, and running the client as a process.
 */

/**
 * Null when every `checks` command runs and the well-known protos of libprotobuf-dev are installed
 * (protoc needs them for google/protobuf/timestamp.proto), else why not. Under CI a missing tool is
 * an error, not a skip: `.ci/run` installs them, so a skip there would hide a broken install.
 */
export function toolchainMissing(
  client: string,
  checks: readonly (readonly [string, ...string[]])[],
): string | null {
  let missing: string | null;
  try {
    for (const [command, ...args] of checks) execFileSync(command, args, { stdio: 'ignore' });
    missing = existsSync('/usr/include/google/protobuf/timestamp.proto') ? null : 'libprotobuf-dev missing';
  } catch (error) {
    missing = String(error);
  }
  if (missing !== null && process.env.CI) {
    throw new Error(`CI must run the ${client} client test, but its tools are missing: ${missing}`);
  }
  return missing;
}

/** Runs a process to its end and collects its output; never rejects (a failure is in `code`). */
export function runProcess(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, [...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', (error) => resolve({ code: -1, stdout, stderr: `${stderr}${String(error)}` }));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
