import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parseDocument } from 'yaml';
import { checkServiceEnv, RESERVED_VARIABLES } from './service-env.js';

/**
 * deploy/k8s without a cluster: every file is valid YAML with apiVersion, kind and name; the pieces
 * agree with each other (selectors, port names, probes, ConfigMap and Secret keys) and with the service
 * (the ConfigMap compiles with src/config.ts, probes use gRPC health on the gRPC port).
 */

const DIR = join(import.meta.dirname, '../../../deploy/k8s');

interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));
const resources: Resource[] = files
  .filter((f) => f !== 'kustomization.yaml')
  .flatMap((file) =>
    parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
      return doc.toJS() as Resource;
    }),
  );

function one<T>(kind: string): T {
  const found = resources.filter((r) => r.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0] as T;
}

interface Probe {
  grpc?: { port: number; service?: string };
}
interface Container {
  image: string;
  ports: { name: string; containerPort: number }[];
  envFrom: ({ configMapRef: { name: string } } | { secretRef: { name: string } })[];
  env: { name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  resources: { limits: Record<string, string | number>; requests: Record<string, string | number> };
  startupProbe: Probe;
  readinessProbe: Probe;
  livenessProbe: Probe;
}
interface Deployment extends Resource {
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string> };
      spec: { securityContext: { runAsNonRoot: boolean; runAsUser: number }; containers: Container[] };
    };
  };
}
interface Service extends Resource {
  spec: { selector: Record<string, string>; ports: { name: string; port: number; targetPort: string }[] };
}
interface ConfigMap extends Resource {
  data: Record<string, string>;
}
interface Secret extends Resource {
  stringData: Record<string, string>;
}
interface ServiceMonitor extends Resource {
  spec: { selector: { matchLabels: Record<string, string> }; endpoints: { port: string; path: string }[] };
}

const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

describe('deploy/k8s', () => {
  it('is valid YAML, every resource named, in one namespace, and the kustomization lists every file', () => {
    expect(resources.map((r) => r.kind).sort()).toEqual(
      ['ConfigMap', 'Deployment', 'Namespace', 'Secret', 'Service', 'ServiceMonitor'].sort(),
    );
    for (const r of resources) {
      expect(r.apiVersion, r.kind).toMatch(/^[a-z.]*\/?v1$/);
      expect(r.metadata.name, r.kind).toMatch(/^[a-z0-9-]+$/);
      if (r.kind !== 'Namespace') expect(r.metadata.namespace, r.kind).toBe('gradnoise');
    }
    const kustomization = parseDocument(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8'));
    const listed = (kustomization.toJS() as { resources: string[] }).resources;
    expect([...listed].sort()).toEqual(files.filter((f) => f !== 'kustomization.yaml').sort());
  });

  it('requests one GPU per pod and runs as the image user, not root', () => {
    const deployment = one<Deployment>('Deployment');
    const container = deployment.spec.template.spec.containers[0];
    expect(container?.resources.limits['nvidia.com/gpu']).toBe(1);
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(deployment.spec.template.spec.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 10001,
    });
    expect(matches(deployment.spec.selector.matchLabels, deployment.spec.template.metadata.labels)).toBe(
      true,
    );
    // Each pod owns its leases under its own name.
    expect(
      container?.env.find((e) => e.name === 'GRADNOISE_REPLICA_ID')?.valueFrom?.fieldRef?.fieldPath,
    ).toBe('metadata.name');
  });

  it('probes readiness, liveness and startup through native gRPC health on the gRPC port', () => {
    const container = one<Deployment>('Deployment').spec.template.spec.containers[0];
    const grpcPort = container?.ports.find((p) => p.name === 'grpc')?.containerPort;
    const config = checkServiceEnv(one<ConfigMap>('ConfigMap').data).config;
    expect(grpcPort).toBe(config.grpcPort);
    for (const probe of [container?.startupProbe, container?.readinessProbe, container?.livenessProbe]) {
      expect(probe?.grpc?.port).toBe(grpcPort);
    }
    expect(container?.ports.find((p) => p.name === 'metrics')?.containerPort).toBe(config.metricsPort);
  });

  it('exposes gRPC and metrics on a Service that selects the pods, scraped by the ServiceMonitor', () => {
    const deployment = one<Deployment>('Deployment');
    const service = one<Service>('Service');
    expect(matches(service.spec.selector, deployment.spec.template.metadata.labels)).toBe(true);
    const containerPorts = deployment.spec.template.spec.containers[0]?.ports.map((p) => p.name);
    expect(service.spec.ports.map((p) => [p.name, p.port])).toEqual([
      ['grpc', 50051],
      ['metrics', 9464],
    ]);
    for (const port of service.spec.ports) expect(containerPorts).toContain(port.targetPort);
    const monitor = one<ServiceMonitor>('ServiceMonitor');
    expect(matches(monitor.spec.selector.matchLabels, service.metadata.labels ?? {})).toBe(true);
    expect(monitor.spec.endpoints[0]).toMatchObject({ port: 'metrics', path: '/metrics' });
  });

  it('feeds the container a ConfigMap the service compiles and a Secret with DATABASE_URL and tokens', () => {
    const container = one<Deployment>('Deployment').spec.template.spec.containers[0];
    const configMap = one<ConfigMap>('ConfigMap');
    const secret = one<Secret>('Secret');
    expect(container?.envFrom).toEqual([
      { configMapRef: { name: configMap.metadata.name } },
      { secretRef: { name: secret.metadata.name } },
    ]);
    expect(Object.keys(secret.stringData).sort()).toEqual(['DATABASE_URL', 'GRADNOISE_TOKENS']);
    expect(RESERVED_VARIABLES).not.toHaveProperty('GRADNOISE_TOKENS');
    const { config, unknown } = checkServiceEnv({
      ...configMap.data,
      ...secret.stringData,
      GRADNOISE_REPLICA_ID: 'pod',
    });
    expect(unknown).toEqual([]);
    expect(config.databaseUrl).toMatch(/^postgresql:\/\//);
    // A GPU pod must not fall back to wasm silently.
    expect(config.backend).toBe('tensorflow');
  });
});
