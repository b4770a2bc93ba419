import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../setup/postgres.js';

/** Debian's `prometheus` package (2.42); it starts no daemon, so tests run their own. */
export const PROMETHEUS_BIN = '/usr/bin/prometheus';

export function prometheusInstalled(): boolean {
  return existsSync(PROMETHEUS_BIN);
}

/** One series of an instant-query answer (`resultType: vector`). */
export interface PromSample {
  readonly metric: Record<string, string>;
  readonly value: readonly [number, string];
}

export interface PromQueryResult {
  readonly status: 'success' | 'error';
  readonly error?: string;
  readonly samples: readonly PromSample[];
}

export interface TestPrometheus {
  readonly url: string;
  /** Instant query through `GET /api/v1/query`; never throws on a PromQL error, returns it. */
  query(expr: string): Promise<PromQueryResult>;
  /** SIGTERM, then SIGKILL after 5 s; removes the storage directory. */
  stop(): Promise<void>;
}

interface QueryBody {
  status: 'success' | 'error';
  error?: string;
  data?: { resultType: string; result: PromSample[] };
}

/**
 * A real Prometheus on a free loopback port with a throwaway TSDB, scraping `targets` (host:port of
 * `GET /metrics`) as job `gradnoise` every `intervalSeconds`.
 */
export async function startPrometheus(
  targets: readonly string[],
  intervalSeconds = 1,
): Promise<TestPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'gradnoise-prom-'));
  const config = [
    'global:',
    `  scrape_interval: ${intervalSeconds}s`,
    `  scrape_timeout: ${intervalSeconds}s`,
    'scrape_configs:',
    '  - job_name: gradnoise',
    '    static_configs:',
    `      - targets: [${targets.map((t) => `"${t}"`).join(', ')}]`,
    '',
  ].join('\n');
  await writeFile(join(dir, 'prometheus.yml'), config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`prometheus exited with ${child.exitCode}: ${stderr}`);
    }
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus not ready after 20 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    url,
    async query(expr) {
      const response = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: expr })}`);
      const body = (await response.json()) as QueryBody;
      if (body.status !== 'success') return { status: 'error', error: body.error ?? 'unknown', samples: [] };
      if (body.data?.resultType !== 'vector') {
        return { status: 'error', error: `result type ${body.data?.resultType}, not vector`, samples: [] };
      }
      return { status: 'success', samples: body.data.result };
    },
    stop,
  };
}
