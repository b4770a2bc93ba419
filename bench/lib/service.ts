import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { credentials } from '@grpc/grpc-js';
import { loadApi, type TrainingApi, trainingApi } from '../../src/client/index.js';
import type { BenchPostgres } from './postgres.js';

/** The real service (`src/main.ts`) running in a child process on a fresh database. */
export interface ServiceProcess {
  /** `127.0.0.1:port` of its gRPC server. */
  readonly address: string;
  readonly pid: number;
  /** Its database (migrated by the service at start). */
  readonly databaseUrl: string;
  /** CPU seconds it has used so far (user + system): all threads, or the main thread (event loop). */
  cpuSeconds(thread?: 'main'): number;
  /** Its peak resident set so far (VmHWM), MiB. */
  peakRssMiB(): number;
  /** Its resident set now (VmRSS), MiB. */
  rssMiB(): number;
  /** SIGTERM (graceful shutdown), then drops the database. */
  stop(): Promise<void>;
}

export interface ServiceOptions {
  /** `GRADNOISE_WORKERS`. */
  readonly workers: number;
  /** `GRADNOISE_BACKEND`. Default `wasm`. */
  readonly backend?: string;
  /** Further environment, e.g. `GRADNOISE_MAX_STREAMS_PER_CLIENT`. */
  readonly env?: Readonly<Record<string, string>>;
  /** Extra node flags, e.g. `--cpu-prof` to profile it. */
  readonly nodeArgs?: readonly string[];
}

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

/**
 * Starts `src/main.ts` (the composition root, run through tsx) as a child process, configured only
 * through its environment as an operator would: a fresh database on `postgres`, gRPC on a free
 * loopback port, no /metrics port, JSON logs at `info`. Resolves once it logs `gradnoise serving`.
 */
export async function startService(
  postgres: BenchPostgres,
  options: ServiceOptions,
): Promise<ServiceProcess> {
  const db = await postgres.createDatabase();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', MAIN], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      GRADNOISE_GRPC_HOST: '127.0.0.1',
      GRADNOISE_GRPC_PORT: '0',
      GRADNOISE_METRICS_PORT: '-1',
      GRADNOISE_WORKERS: String(options.workers),
      GRADNOISE_BACKEND: options.backend ?? 'wasm',
      GRADNOISE_POLL_MS: '200',
      LOG_LEVEL: 'info',
      ...options.env,
    },
  });
  const recent: string[] = [];
  const remember = (line: string) => {
    recent.push(line);
    if (recent.length > 30) recent.shift();
  };
  child.stderr?.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') remember(line);
  });
  try {
    const address = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the service did not start within 180 s')), 180_000);
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        remember(line);
        if (!line.includes('"gradnoise serving"')) return;
        clearTimeout(timer);
        const grpc = (JSON.parse(line) as { grpc?: string }).grpc ?? '';
        resolve(`127.0.0.1:${grpc.split(':').pop() ?? ''}`);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the service exited with ${code} before serving: ${recent.slice(-6).join(' / ')}`));
      });
    });
    return handle(child, address, db);
  } catch (error) {
    child.kill('SIGKILL');
    await db.drop().catch(() => undefined);
    throw error;
  }
}

function handle(
  child: ChildProcess,
  address: string,
  db: { readonly url: string; drop(): Promise<void> },
): ServiceProcess {
  const pid = child.pid ?? 0;
  const status = (field: string): number => {
    try {
      const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`${field}:\\s+(\\d+) kB`));
      return match === null ? Number.NaN : Number(match[1]) / 1024;
    } catch {
      return Number.NaN;
    }
  };
  return {
    address,
    pid,
    databaseUrl: db.url,
    cpuSeconds: (thread) => processCpuSeconds(pid, thread === 'main' ? pid : undefined),
    peakRssMiB: () => status('VmHWM'),
    rssMiB: () => status('VmRSS'),
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(timer);
      }
      await db.drop();
    },
  };
}

/**
 * CPU seconds (user + system) of a live process, all its threads, or of one thread `tid` of it;
 * from /proc, so NaN when unreadable (the process is gone, or on another machine).
 */
export function processCpuSeconds(pid: number, tid?: number): number {
  try {
    const path = tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`;
    // After the name, which is in parentheses and may itself hold spaces and parentheses.
    const stat = readFileSync(path, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime (fields 14 and 15), in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

let api: ReturnType<typeof loadApi> | null = null;

/** A grpc-js TrainingService client; `ownConnection` gives it a TCP connection no other client shares. */
export function trainingClient(address: string, ownConnection = false): { api: TrainingApi; close(): void } {
  api ??= loadApi();
  const v1 = api.grpc.gradnoise.v1;
  const client = new v1.TrainingService(
    address,
    credentials.createInsecure(),
    ownConnection ? { 'grpc.use_local_subchannel_pool': 1 } : {},
  );
  return { api: trainingApi(client), close: () => client.close() };
}
