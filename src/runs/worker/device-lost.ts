import type { DeviceLostInfo } from '../../backend/index.js';

/** The error of an attempt whose device was lost. */
export function describeDeviceLost(info: DeviceLostInfo): string {
  return `webgpu device lost (${info.reason})${info.message === '' ? '' : `: ${info.message}`}`;
}

/** Thrown between steps once the device is lost; `runJob` turns it into RETRY. */
export class DeviceLost extends Error {}

/** How long a failed attempt waits for the device's loss to be reported, which may trail the failure. */
const LOSS_REPORT_MS = 200;

/**
 * The device's loss, if any, once an attempt failed: a read of a lost device can reject before
 * Dawn has delivered `GPUDevice.lost`, so on a backend with a device this waits a little for it.
 */
export async function lossAfterFailure(settings: {
  readonly deviceLost?: () => DeviceLostInfo | null;
}): Promise<DeviceLostInfo | null> {
  const probe = settings.deviceLost;
  if (probe === undefined) return null;
  const deadline = performance.now() + LOSS_REPORT_MS;
  while (probe() === null && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return probe();
}
