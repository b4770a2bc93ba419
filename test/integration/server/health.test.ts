import { credentials, makeGenericClientConstructor, type ServiceError, status } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_NAME, SWEEP_SERVICE_NAME } from '../../../src/server/index.js';
import { startTestService, type TestService } from '../../helpers/service.js';

interface HealthClient {
  Check(
    request: { service: string },
    callback: (error: ServiceError | null, response?: { status: string | number }) => void,
  ): void;
  close(): void;
}

const Health = makeGenericClientConstructor(healthService, 'Health') as unknown as new (
  target: string,
  creds: ReturnType<typeof credentials.createInsecure>,
) => HealthClient;

/** grpc.health.v1 Check: the status, or the error's code. */
function check(client: HealthClient, service: string): Promise<string | number> {
  return new Promise((resolve) => {
    client.Check({ service }, (error, response) => {
      resolve(error ? error.code : (response?.status ?? 'none'));
    });
  });
}

let service: TestService;
let client: HealthClient;
beforeAll(async () => {
  service = await startTestService();
  client = new Health(service.address, credentials.createInsecure());
});
afterAll(async () => {
  client.close();
  await service.stop();
});

describe('grpc.health.v1 on the API port', () => {
  it('reports the server and each of its services SERVING, and NOT_FOUND for a service it does not have', async () => {
    for (const name of ['', SERVICE_NAME, SWEEP_SERVICE_NAME]) {
      expect(await check(client, name), name).toBe('SERVING');
    }
    for (const name of ['gradnoise.v1.NoSuchService', 'gradnoise.v1.trainingservice', ' ']) {
      expect(await check(client, name), name).toBe(status.NOT_FOUND);
    }
  });
});
