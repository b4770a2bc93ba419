import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is test/integration/scaleout/replica.ts). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface ReplicaOptions {
  readonly databaseUrl: string;
  readonly replicaId: string;
  /** More environment (GRADNOISE_* overrides). */
  readonly env?: Readonly<Record<string, string>>;
  /** How long to wait for "gradnoise serving" (logged at info: keep LOG_LEVEL at info or below). Default 120 s. */
  readonly startTimeoutMs?: number;
}

/** One log line of the service (pino JSON). */
export type LogLine = Readonly<Record<string, unknown>> & { readonly msg?: string };

/** A real `gradnoise` service process (`node --import tsx src/main.ts`), on loopback. */
export interface Replica {
  readonly id: string;
  readonly pid: number;
  readonly address: string;
  /** Every JSON line it logged so far, and its raw output (for "never logged" checks). */
  readonly logs: readonly LogLine[];
  readonly output: () => string;
  /** Its standard output alone, as written so far. */
  readonly stdout: () => string;
  /** Resolves with the exit code (or the signal) when it exits. */
  readonly exited: Promise<string>;
  /** `kill -9`: no shutdown hook runs, its leases simply lapse. */
  kill(): Promise<void>;
  /** SIGTERM, the graceful path. */
  stop(): Promise<void>;
}

/**
 * Environment of a replica tuned for tests: loopback, any free port, no /metrics, short leases
 * (2 s, so a killed replica's runs come back quickly), fast polling, one training thread on the
 * pure-JS `cpu` backend (bit-identical resumes across processes). Inherited GRADNOISE_* variables
 * are dropped so the machine's own settings never leak in.
 */
export function replicaEnv(options: ReplicaOptions): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('GRADNOISE_') && key !== 'DATABASE_URL'),
  );
  return {
    ...inherited,
    DATABASE_URL: options.databaseUrl,
    GRADNOISE_REPLICA_ID: options.replicaId,
    GRADNOISE_GRPC_HOST: '127.0.0.1',
    GRADNOISE_GRPC_PORT: '0',
    GRADNOISE_METRICS_PORT: '-1',
    GRADNOISE_LEASE_SECONDS: '2',
    GRADNOISE_POLL_MS: '100',
    GRADNOISE_WORKERS: '1',
    GRADNOISE_BACKEND: 'cpu',
    LOG_LEVEL: 'info',
    ...options.env,
  };
}

/** Starts a replica and resolves once it serves gRPC; rejects with its output if it dies first. */
export function startReplica(options: ReplicaOptions): Promise<Replica> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: REPO_ROOT,
    env: replicaEnv(options),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  const chunks: string[] = [];
  const stdoutChunks: string[] = [];
  let pending = '';
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ?? String(code)));
  });
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      child.kill('SIGKILL');
      reject(new Error(`replica ${options.replicaId} did not start:\n${chunks.join('').slice(-4000)}`));
    }, options.startTimeoutMs ?? 120_000);
    const onLine = (line: string) => {
      let parsed: LogLine;
      try {
        parsed = JSON.parse(line) as LogLine;
      } catch {
        return;
      }
      logs.push(parsed);
      if (parsed.msg === 'gradnoise serving' && !settled) {
        settled = true;
        clearTimeout(timer);
        const pid = child.pid ?? -1;
        resolve({
          id: options.replicaId,
          pid,
          address: String(parsed.grpc),
          logs,
          output: () => chunks.join(''),
          stdout: () => stdoutChunks.join(''),
          exited,
          async kill() {
            child.kill('SIGKILL');
            await exited;
          },
          async stop() {
            child.kill('SIGTERM');
            await exited;
          },
        });
      }
    };
    child.stdout?.setEncoding('utf8').on('data', (data: string) => {
      chunks.push(data);
      stdoutChunks.push(data);
      pending += data;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    });
    child.stderr?.setEncoding('utf8').on('data', (data: string) => chunks.push(data));
    void exited.then((how) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(
        new Error(
          `replica ${options.replicaId} exited (${how}) before serving:\n${chunks.join('').slice(-4000)}`,
        ),
      );
    });
  });
}
