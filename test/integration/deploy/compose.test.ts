import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { checkServiceEnv } from './service-env.js';

/**
 * docker-compose.yml and the files it mounts (Prometheus scrape config, Grafana provisioning), checked
 * without Docker: valid YAML, the wiring between services agrees, every replica's environment compiles
 * with the service's own config code, and Prometheus's own promtool accepts the scrape config.
 */

const ROOT = join(import.meta.dirname, '../../..');

function loadYaml(path: string): unknown {
  // Compose resolves YAML merge keys (`<<: *anchor`), which YAML 1.2 leaves out unless asked.
  const doc = parseDocument(readFileSync(join(ROOT, path), 'utf8'), { merge: true });
  expect(doc.errors.map((e) => e.message)).toEqual([]);
  // `!reset` is Compose's own tag (2.24+); the YAML parser leaves it unresolved, anything else is a mistake.
  expect(doc.warnings.filter((w) => !w.message.includes('!reset')).map((w) => w.message)).toEqual([]);
  return doc.toJS();
}

interface ComposeService {
  image?: string;
  build?: { context: string; args?: Record<string, string> };
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, unknown> | string[];
  command?: string[];
  deploy?: { resources?: { reservations?: { devices?: { driver?: string; capabilities?: string[] }[] } } };
}
interface Compose {
  services: Record<string, ComposeService>;
}

const compose = loadYaml('docker-compose.yml') as Compose;
const REPLICAS = ['gradnoise-1', 'gradnoise-2'];

describe('docker-compose.yml', () => {
  it('has PostgreSQL 16, two replicas, Prometheus and Grafana', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['grafana', ...REPLICAS, 'postgres', 'prometheus'].sort(),
    );
    expect(compose.services.postgres?.image).toMatch(/^postgres:16\b/);
    for (const name of REPLICAS) {
      expect(compose.services[name]?.build?.context).toBe('.');
      expect(compose.services[name]?.depends_on).toHaveProperty('postgres');
    }
  });

  it('reserves a GPU with the compute, utility and graphics (Vulkan, for WebGPU) driver capabilities', () => {
    for (const name of REPLICAS) {
      const devices = compose.services[name]?.deploy?.resources?.reservations?.devices ?? [];
      expect(devices).toHaveLength(1);
      // Docker sets NVIDIA_DRIVER_CAPABILITIES to exactly the driver capabilities listed here.
      expect(devices[0]?.capabilities).toEqual(
        expect.arrayContaining(['gpu', 'compute', 'utility', 'graphics']),
      );
    }
  });

  it('gives both replicas the same database and distinct replica ids, and their env compiles', () => {
    const envs = REPLICAS.map((n) => compose.services[n]?.environment ?? {});
    expect(envs[0]?.DATABASE_URL).toMatch(/^postgresql:\/\/[^@]+@postgres:5432\//);
    expect(envs[1]?.DATABASE_URL).toBe(envs[0]?.DATABASE_URL);
    expect(new Set(envs.map((e) => e.GRADNOISE_REPLICA_ID)).size).toBe(2);
    const pg = compose.services.postgres?.environment ?? {};
    expect(envs[0]?.DATABASE_URL).toBe(
      `postgresql://${pg.POSTGRES_USER}:${pg.POSTGRES_PASSWORD}@postgres:5432/${pg.POSTGRES_DB}`,
    );
    for (const env of envs) {
      const { config, unknown } = checkServiceEnv(env);
      expect(unknown).toEqual([]);
      expect(config.databaseUrl).not.toBeNull();
    }
  });

  it('mounts files that exist, and Prometheus scrapes exactly the replicas on :9464', () => {
    for (const service of Object.values(compose.services)) {
      for (const volume of service.volumes ?? []) {
        const host = volume.split(':')[0] ?? '';
        if (host.startsWith('./')) expect(existsSync(join(ROOT, host)), volume).toBe(true);
      }
    }
    const mount = (service: string, target: string) =>
      compose.services[service]?.volumes?.find((v) => v.split(':')[1] === target)?.split(':')[0];
    expect(mount('prometheus', '/etc/prometheus/prometheus.yml')).toBe('./deploy/prometheus/prometheus.yml');
    // prometheus.yml's rule_files are relative to it: the rules must sit beside it in the container.
    expect(mount('prometheus', '/etc/prometheus/alerts.yml')).toBe('./deploy/prometheus/alerts.yml');
    const prom = loadYaml('deploy/prometheus/prometheus.yml') as {
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    const job = prom.scrape_configs.find((c) => c.job_name === 'gradnoise');
    expect(job?.static_configs.flatMap((c) => c.targets).sort()).toEqual(REPLICAS.map((r) => `${r}:9464`));
  });

  it('provisions Grafana with the Prometheus datasource and the dashboard file', () => {
    const mount = (target: string) =>
      compose.services.grafana?.volumes?.find((v) => v.split(':')[1] === target)?.split(':')[0];
    expect(mount('/etc/grafana/provisioning')).toBe('./deploy/grafana/provisioning');
    const dashboardMount = compose.services.grafana?.volumes?.find((v) =>
      v.startsWith('./deploy/grafana/gradnoise.json:'),
    );
    const dashboardDir = dashboardMount?.split(':')[1]?.replace(/\/[^/]+$/, '');
    const providers = loadYaml('deploy/grafana/provisioning/dashboards/gradnoise.yml') as {
      providers: { type: string; options: { path: string } }[];
    };
    expect(providers.providers[0]?.options.path).toBe(dashboardDir);
    const datasources = loadYaml('deploy/grafana/provisioning/datasources/prometheus.yml') as {
      datasources: { type: string; url: string }[];
    };
    expect(datasources.datasources[0]).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090' });
  });

  it('has a CPU override that only drops the GPU reservation and pins the CPU backend', () => {
    const cpu = loadYaml('deploy/compose/cpu.yml') as Compose;
    expect(Object.keys(cpu.services).sort()).toEqual(REPLICAS);
    for (const name of REPLICAS) {
      expect(checkServiceEnv(cpu.services[name]?.environment ?? {}).config.backend).toBe('tensorflow');
    }
  });
});

const promtool = existsSync('/usr/bin/promtool');
if (!promtool && process.env.CI)
  throw new Error('CI must check the Prometheus config, but promtool is missing');

describe.skipIf(!promtool)('deploy/prometheus/prometheus.yml', () => {
  it("passes Prometheus's own promtool check config", () => {
    const out = execFileSync(
      '/usr/bin/promtool',
      ['check', 'config', join(ROOT, 'deploy/prometheus/prometheus.yml')],
      {
        encoding: 'utf8',
      },
    );
    expect(out).toContain('SUCCESS');
  });
});
