import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, waitForStatus } from '../../helpers/client.js';
import { startTestService, type TestService } from '../../helpers/service.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.stop());

async function scrape(): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${service.metricsPort}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
}

describe('GET /metrics', () => {
  it('exposes gRPC, run, queue, sink and Node metrics; per-run gauges exist while running and go when it ends', async () => {
    const client = api(service.client);
    await client.getRun({ runId: '' }).catch(() => undefined);
    const run = await client.startRun({ trainer: 'smoke', maxSteps: 1_000_000, checkpointEvery: 1_000_000 });
    await waitForStatus(service.client, run.id, ['RUN_STATUS_RUNNING']);
    let during = '';
    const deadline = Date.now() + 20_000;
    while (!during.includes(`run_id="${run.id}"`) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      during = await scrape();
    }
    expect(during).toMatch(new RegExp(`gradnoise_run_loss\\{[^}]*run_id="${run.id}"`));
    expect(during).toMatch(new RegExp(`gradnoise_run_noise_std\\{[^}]*run_id="${run.id}"`));

    await client.cancelRun({ runId: run.id });
    await waitForStatus(service.client, run.id, ['RUN_STATUS_CANCELLED']);
    const after = await scrape();
    for (const name of [
      'grpc_server_started_total{grpc_type="unary",grpc_service="gradnoise.v1.TrainingService",grpc_method="StartRun"}',
      'grpc_server_handled_total{grpc_type="unary",grpc_service="gradnoise.v1.TrainingService",grpc_method="GetRun",grpc_code="InvalidArgument"}',
      'grpc_server_handling_seconds_bucket{',
      'gradnoise_runs{',
      'gradnoise_training_steps_total{',
      'gradnoise_training_examples_total{',
      'gradnoise_step_duration_seconds_bucket{',
      'gradnoise_queue_depth',
      'gradnoise_metric_write_seconds_bucket',
      'gradnoise_backend_info{',
      'process_cpu_user_seconds_total',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(after, name).toContain(name);
    }
    expect(after).toMatch(/gradnoise_runs\{[^}]*status="CANCELLED"[^}]*\} 1/);
    expect(after).not.toContain(`run_id="${run.id}"`);
  });

  it('answers 404 elsewhere', async () => {
    const response = await fetch(`http://127.0.0.1:${service.metricsPort}/other`);
    expect(response.status).toBe(404);
  });
});
