import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { openBlasCoreType } from '../../src/backend/index.js';

/**
 * A long-lived child process spoken to in JSON lines: every request is one line on its stdin, every
 * answer one line on its stdout (other stdout lines, such as library banners, are ignored). The child
 * first prints a line with `ready: true`, or `error` when it cannot start. Both the tfjs arms and the
 * PyTorch arms of the step benchmark run this way, so the parent can interleave their blocks.
 */
export class LineChild {
  private readonly child: ChildProcess;
  private readonly waiting: Array<(line: Record<string, unknown>) => void> = [];
  private readonly stderr: string[] = [];
  private exited: string | null = null;
  private failAll: (reason: string) => void = () => {};

  private constructor(child: ChildProcess) {
    this.child = child;
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      if (!line.startsWith('{')) return;
      const parsed = JSON.parse(line) as Record<string, unknown>;
      this.waiting.shift()?.(parsed);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr.push(...chunk.toString('utf8').split('\n'));
      if (this.stderr.length > 40) this.stderr.splice(0, this.stderr.length - 40);
    });
    child.on('exit', (code, signal) => {
      this.exited = `exited with ${signal ?? code}`;
      this.failAll(this.exited);
    });
  }

  /** Starts the child and waits for its `ready` line; rejects with its error or last stderr lines. */
  static async start(
    command: string,
    args: readonly string[],
    options: { readonly env?: NodeJS.ProcessEnv; readonly timeoutMs?: number } = {},
  ): Promise<{ child: LineChild; ready: Record<string, unknown> }> {
    const proc = spawn(command, [...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
    });
    const child = new LineChild(proc);
    const ready = await child.next(options.timeoutMs ?? 120_000);
    if (ready.ready !== true) {
      await child.close();
      throw new Error(String(ready.error ?? 'child did not start'));
    }
    return { child, ready };
  }

  /** The child's process id (e.g. to read its `/proc/<pid>/maps`). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Sends one request and resolves with the child's answer (rejects when it has `error`). */
  async request(
    message: Readonly<Record<string, unknown>>,
    timeoutMs = 600_000,
  ): Promise<Record<string, unknown>> {
    if (this.exited !== null) throw new Error(`child ${this.exited}: ${this.lastErrors()}`);
    const answer = this.next(timeoutMs);
    this.child.stdin?.write(`${JSON.stringify(message)}\n`);
    const reply = await answer;
    if (typeof reply.error === 'string') throw new Error(reply.error);
    return reply;
  }

  /** Asks the child to quit, and kills it if it has not within 5 s. */
  async close(): Promise<void> {
    if (this.exited !== null) return;
    const done = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin?.end(`${JSON.stringify({ cmd: 'quit' })}\n`);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await done;
    clearTimeout(timer);
  }

  private next(timeoutMs: number): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`child gave no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiting.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
      this.failAll = (reason) => {
        clearTimeout(timer);
        reject(new Error(`child ${reason}: ${this.lastErrors()}`));
      };
    });
  }

  private lastErrors(): string {
    return this.stderr
      .filter((l) => l.trim() !== '')
      .slice(-5)
      .join(' / ');
  }
}

/**
 * The PyTorch children's environment: one thread in every BLAS and OpenMP pool. `torch.set_num_threads(1)`
 * bounds PyTorch's own pool, but Debian's OpenBLAS (`openblas-pthread`) starts one thread per core
 * for its GEMMs unless told otherwise, which would give the baseline two cores against tfjs's one.
 */
export const ONE_THREAD_ENV: NodeJS.ProcessEnv = Object.freeze({
  OPENBLAS_NUM_THREADS: '1',
  OMP_NUM_THREADS: '1',
  MKL_NUM_THREADS: '1',
});

/**
 * The OpenBLAS kernels every side of a comparison runs: the operator's `OPENBLAS_CORETYPE`, else the
 * core the native backend's loader names for this CPU (`src/backend/openblas-core.ts`: OpenBLAS
 * 0.3.21 falls back to its SSE3 kernels on CPUs it does not know), else OpenBLAS's own choice
 * (undefined). PyTorch gets the same, so the two sides run the same sgemm.
 */
export const OPENBLAS_CORE: string | undefined = openBlasCoreType(process.env.OPENBLAS_CORETYPE);

/** Starts a PyTorch child (`/usr/bin/python3 script …args`) with {@link ONE_THREAD_ENV} and {@link OPENBLAS_CORE}. */
export function startTorchChild(
  script: string,
  args: readonly string[] = [],
): Promise<{ child: LineChild; ready: Record<string, unknown> }> {
  const core = OPENBLAS_CORE === undefined ? {} : { OPENBLAS_CORETYPE: OPENBLAS_CORE };
  return LineChild.start('/usr/bin/python3', [script, ...args], { env: { ...ONE_THREAD_ENV, ...core } });
}
