export { type MetricsServer, startMetricsServer } from './http.js';
export { createRegistry } from './registry.js';
