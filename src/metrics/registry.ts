import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * A fresh Prometheus registry with Node's default metrics. The composition root makes one and
 * injects it everywhere; tests make their own, so nothing shares the global registry.
 */
export function createRegistry(defaultLabels: Record<string, string> = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels(defaultLabels);
  collectDefaultMetrics({ register: registry });
  return registry;
}
