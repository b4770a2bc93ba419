import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, waitForStatus } from '../../helpers/client.js';
import { startTestService, type TestService } from '../../helpers/service.js';
import {
  allPanels,
  dashboardTargets,
  loadDashboard,
  substituteGrafanaVariables,
  variableQueries,
} from './dashboard-queries.js';
import { prometheusInstalled, startPrometheus, type TestPrometheus } from './prometheus.js';

/**
 * The Grafana dashboard (deploy/grafana/gradnoise.json) against real data: the real service trains a
 * run and serves gRPC traffic (errors included) while a real Prometheus scrapes it every second; then
 * every PromQL expression of the dashboard is evaluated through Prometheus's HTTP API.
 */

const installed = prometheusInstalled();
if (!installed && process.env.CI) {
  throw new Error(
    'CI must run the dashboard test, but /usr/bin/prometheus is missing (apt-get install prometheus)',
  );
}

const dashboard = loadDashboard();

/** A Grafana variable reference, `${name}` or `${name:format}`, as it stands in the dashboard. */
const ref = (name: string): string => `\${${name}}`;

describe('the dashboard file', () => {
  it('has the panels operators need, each with a query, unique ids and the datasource variable', () => {
    const panels = allPanels(dashboard);
    const titles = panels.map((p) => p.title);
    for (const wanted of [
      /runs by status/i,
      /steps per second/i,
      /loss per run/i,
      /noise standard deviation per run/i,
      /grpc request rate/i,
      /grpc errors/i,
      /grpc .*latency p50 \/ p99/i,
      /queue depth/i,
      /metric-write latency/i,
    ]) {
      expect(
        titles.some((t) => wanted.test(t)),
        String(wanted),
      ).toBe(true);
    }
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of panels) {
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
      // No hard-coded datasource: the dashboard works with whatever Prometheus the operator picks.
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: ref('datasource') });
    }
    const latency = dashboardTargets(dashboard).filter((t) =>
      t.expr.includes('grpc_server_handling_seconds'),
    );
    expect(latency.map((t) => t.expr.slice(0, 24))).toEqual([
      'histogram_quantile(0.5, ',
      'histogram_quantile(0.99,',
    ]);
  });

  it('substitutes Grafana variables the way the test evaluates them', () => {
    expect(substituteGrafanaVariables(`rate(x{a=~"$job", b=~"${ref('run_id')}"}[$__rate_interval])`)).toBe(
      'rate(x{a=~".*", b=~".*"}[30s])',
    );
    expect(() => substituteGrafanaVariables('x[$__unknown]')).toThrow(/unsubstituted/);
    expect(substituteGrafanaVariables(`x{a=~"${ref('v:regex')}"}`)).toBe('x{a=~".*"}');
  });
});

describe.skipIf(!installed)('every dashboard query against a real Prometheus scraping the service', () => {
  let service: TestService;
  let prometheus: TestPrometheus;
  let longRunId = '';

  beforeAll(async () => {
    service = await startTestService({ workers: 2 });
    prometheus = await startPrometheus([`127.0.0.1:${service.metricsPort}`], 1);
  });
  afterAll(async () => {
    await prometheus?.stop();
    if (service && longRunId)
      await api(service.client)
        .cancelRun({ runId: longRunId })
        .catch(() => undefined);
    await service?.stop();
  });

  it('returns series with finite values for every expression, and every variable has values', async () => {
    const client = api(service.client);
    // A run that keeps training while Prometheus scrapes (its loss and noise gauges exist only then),
    // and a short one streamed to the end and checkpointed (stream messages, store writes).
    const long = await client.startRun({ trainer: 'smoke', maxSteps: 1_000_000, checkpointEvery: 1_000_000 });
    longRunId = long.id;
    const short = await client.startRun({ trainer: 'smoke', maxSteps: 30 });
    await waitForStatus(service.client, long.id, ['RUN_STATUS_RUNNING'], 20_000);
    const streamed = await client.streamMetrics({ runId: short.id, sinceStep: 0 });
    expect(streamed.at(-1)?.final).toBe(true);
    await client.getCheckpoint({ runId: short.id, step: 0 });

    // Unary traffic with errors, until Prometheus holds enough scrapes for 30 s rate windows.
    const deadline = Date.now() + 30_000;
    let scrapes = 0;
    let errors = 0;
    for (;;) {
      await client.getRun({ runId: long.id });
      await client.listRuns({ pageSize: 5 });
      await client.getRun({ runId: '' }).catch(() => {
        errors += 1;
      });
      const up = await prometheus.query('count_over_time(up{job="gradnoise"}[1m])');
      scrapes = Number(up.samples[0]?.value[1] ?? 0);
      const loss = await prometheus.query(`gradnoise_run_loss{run_id="${long.id}"}`);
      if (scrapes >= 6 && loss.samples.length > 0) break;
      if (Date.now() > deadline)
        throw new Error(`only ${scrapes} scrapes, loss series: ${loss.samples.length}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(errors).toBeGreaterThan(0);
    expect((await client.getRun({ runId: long.id })).status).toBe('RUN_STATUS_RUNNING');

    const failures: string[] = [];
    const targets = dashboardTargets(dashboard);
    expect(targets.length).toBeGreaterThanOrEqual(15);
    for (const target of targets) {
      const expr = substituteGrafanaVariables(target.expr);
      const result = await prometheus.query(expr);
      const where = `${target.panel} [${target.refId}] ${expr}`;
      if (result.status !== 'success') failures.push(`${where}: error ${result.error}`);
      else if (result.samples.length === 0) failures.push(`${where}: no series`);
      else if (!result.samples.some((s) => Number.isFinite(Number(s.value[1])))) {
        failures.push(`${where}: no finite value (${result.samples.map((s) => s.value[1]).join(', ')})`);
      }
    }
    for (const variable of variableQueries(dashboard)) {
      const result = await prometheus.query(substituteGrafanaVariables(variable.selector));
      const values = result.samples.map((s) => s.metric[variable.label]).filter((v) => v !== undefined);
      if (values.length === 0) failures.push(`variable ${variable.name}: no values of ${variable.label}`);
    }
    expect(failures).toEqual([]);

    // The per-run panels show this run, and the runs panel counts it as RUNNING.
    const loss = await prometheus.query(`gradnoise_run_noise_std{run_id="${long.id}"}`);
    expect(Number(loss.samples[0]?.value[1])).toBeGreaterThan(0);
    const running = await prometheus.query('max by (status) (gradnoise_runs{status="RUNNING"})');
    expect(Number(running.samples[0]?.value[1])).toBeGreaterThanOrEqual(1);
  });
});
