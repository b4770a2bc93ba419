import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileConfig } from '../../../src/config.js';
import { variablesTheServiceReads } from '../../integration/deploy/service-env.js';
import { REPO_ROOT } from '../../integration/scaleout/replica.js';

const base = { hostname: 'h', pid: 1 };

/** The README's configuration table: variable → the default column as written. */
function readmeTable(): Map<string, string> {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration'));
  const rows = new Map<string, string>();
  for (const line of section.split('\n')) {
    const match = /^\|\s*`([A-Z_]+)`\s*\|\s*([^|]*?)\s*\|/.exec(line);
    if (match !== null) rows.set(match[1] as string, match[2] as string);
    else if (rows.size > 0 && !line.startsWith('|')) break;
  }
  return rows;
}

describe('service configuration', () => {
  it('listens for gRPC on 50051 and serves /metrics on 9464 by default, both configurable', () => {
    const defaults = compileConfig({}, base);
    expect(defaults.grpcPort).toBe(50051);
    expect(defaults.metricsPort).toBe(9464);
    const set = compileConfig({ GRADNOISE_GRPC_PORT: '6000', GRADNOISE_METRICS_PORT: '-1' }, base);
    expect(set.grpcPort).toBe(6000);
    expect(set.metricsPort).toBe(-1);
    expect(() => compileConfig({ GRADNOISE_GRPC_PORT: '70000' }, base)).toThrow(
      /GRADNOISE_GRPC_PORT: got "70000"; allowed: an integer in \[0, 65535\]/,
    );
    expect(() => compileConfig({ GRADNOISE_METRICS_PORT: 'http' }, base)).toThrow(
      /GRADNOISE_METRICS_PORT: got "http"/,
    );
  });

  it('bounds layers models by GRADNOISE_MAX_PARAMS, default 5,000,000', () => {
    expect(compileConfig({}, base).maxParams).toBe(5_000_000);
    expect(compileConfig({ GRADNOISE_MAX_PARAMS: '1000' }, base).maxParams).toBe(1000);
    expect(() => compileConfig({ GRADNOISE_MAX_PARAMS: '0' }, base)).toThrow(
      /GRADNOISE_MAX_PARAMS: got "0"; allowed: an integer in \[1, 1000000000\]/,
    );
  });

  it("documents every variable it reads in the README's table, with the default it applies", () => {
    const table = readmeTable();
    expect([...table.keys()].sort()).toEqual([...variablesTheServiceReads()].sort());
    const defaults = compileConfig({}, base);
    const literal: string[] = [];
    for (const [variable, written] of table) {
      if (written === 'number of cores') {
        expect(defaults.workers, variable).toBe(availableParallelism());
      } else if (written === '`host:pid`') {
        expect(defaults.replicaId, variable).toBe('h:1');
      } else {
        // Setting the documented default must change nothing.
        const value = written === '_(empty)_' ? '' : /^`(.*)`$/.exec(written)?.[1];
        expect(value, `${variable}: default column ${written}`).toBeDefined();
        expect(compileConfig({ [variable]: value as string }, base), variable).toEqual(defaults);
        literal.push(variable);
      }
    }
    expect(literal).toContain('GRADNOISE_GRPC_PORT');
    expect(literal).toContain('LOG_LEVEL');
  });
});
