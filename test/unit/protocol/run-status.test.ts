import { describe, expect, it } from 'vitest';
import type { RunStatus } from '../../../src/core/index.js';
import {
  loadApi,
  RUN_STATUS_BY_WIRE_NAME,
  runStatusLabel,
  wireRunStatus,
} from '../../../src/protocol/index.js';

const CORE: readonly RunStatus[] = ['QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'STOPPED_EARLY'];

/** The values of gradnoise.v1.RunStatus as the loaded .proto declares them: name -> number. */
function protoValues(): Map<string, number> {
  const type = loadApi().definition['gradnoise.v1.RunStatus']?.type as
    | { value: { name: string; number: number }[] }
    | undefined;
  if (type === undefined) throw new Error('no gradnoise.v1.RunStatus');
  return new Map(type.value.map((v) => [v.name, v.number]));
}

describe('run statuses on the wire', () => {
  it('names every core status by a value of the proto enum, with its original number', () => {
    const values = protoValues();
    // The numbers predate the RUN_STATUS_ prefix; renaming the values kept them.
    expect(CORE.map((s) => values.get(wireRunStatus(s)))).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...values.keys()].filter((name) => name !== 'RUN_STATUS_UNSPECIFIED').sort()).toEqual(
      Object.keys(RUN_STATUS_BY_WIRE_NAME).sort(),
    );
  });

  it('maps each wire name back to the core status the database stores', () => {
    for (const status of CORE) expect(RUN_STATUS_BY_WIRE_NAME[wireRunStatus(status)]).toBe(status);
    expect(RUN_STATUS_BY_WIRE_NAME.RUN_STATUS_UNSPECIFIED).toBeUndefined();
  });

  it('labels a wire status by its short name for people, and leaves other text alone', () => {
    expect(runStatusLabel('RUN_STATUS_CANCELLED')).toBe('CANCELLED');
    expect(runStatusLabel('RUN_STATUS_UNSPECIFIED')).toBe('UNSPECIFIED');
    expect(runStatusLabel('RUNNING')).toBe('RUNNING');
    expect(runStatusLabel('')).toBe('');
  });
});
